"""The browser suite's fixtures: the demo served by the shared `live_demo` (tests/conftest.py:
built once per xdist worker, restored cheaply, one server per module) and one Debian Chromium
per worker driven by Playwright (`browser`, tests/conftest.py; the tools are in harness.py).

The sweep only reads. A walk changes data, so `fresh_demo` puts the demo back into the
module's served database before each walk (the same restore `live_demo` itself does).

Runs on SQLite only (tests/conftest.py): what it judges is the served HTML, script and layout,
the same on either database; the pages and actions are also tested through the test client
on both."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from governance import rollups
from governance.extensions import db as _db
from tests.browser.harness import CHROMIUM, VIEWPORTS, Walk, sign_in
from tests.conftest import (
    PG_URL,
    LiveDemo,
    demo_of_worker,
    empty_postgres,
    replace_sqlite,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="Chromium missing: `make test` installs it")
    if shutil.which(CHROMIUM) is None:
        for item in items:
            if "tests/browser/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture
def fresh_demo(live_demo: LiveDemo, database_template: str, worker_dir: Any) -> LiveDemo:
    """The module's served demo put back as `load_demo()` left it, for a test that changes
    data (a walk): the served app's connections are closed, its database restored."""
    snapshot = demo_of_worker(database_template, worker_dir)
    with live_demo.app.app_context():
        _db.session.remove()
        engine = _db.engine
        engine.dispose()
        rollups._caches.pop(engine, None)
    if PG_URL:
        empty_postgres(live_demo.database_url)
        snapshot.restore_postgres(live_demo.database_url)
    else:
        assert snapshot.path is not None
        replace_sqlite(snapshot.path, Path(live_demo.database_url.removeprefix("sqlite:///")))
    return live_demo


@pytest.fixture
def walk(browser: Any, fresh_demo: LiveDemo) -> Iterator[Callable[[str, str, str], Walk]]:
    """`walk(role, width, name)`: a signed-in page on a fresh demo, wrapped in a click counter.
    Signing in is not counted: every walk starts on the portfolio, where sign-in lands."""
    pages: list[Any] = []

    def start(role: str, width: str, name: str) -> Walk:
        page = sign_in(browser, fresh_demo.url, role, VIEWPORTS[width])
        pages.append(page)
        started = Walk(page, f"{name}-{width}")
        started.check(axe=False)  # the portfolio, where the walk starts (swept already)
        return started

    yield start
    for page in pages:
        page.context.close()
