# Read by gunicorn from the directory it starts in (`make run`, `make load`, the README's
# deployment): settings that belong to every way of serving the app.
from governance.web.startup import settle_heap


def post_worker_init(worker: object) -> None:
    settle_heap()
