"""Issue 7: every main page issues the same number of SQL queries whatever the data size.

A small and a big synthetic organization (bench/synth.py, the benchmark's own generator) are
loaded beside the demo; each page is requested for both, signed in as the leader who leads
every organization, and must issue as many queries for the big one as for the small one.
The portfolio and review queue (every organization at once) are measured before and after
the big organization is added.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa

from bench import generate, pages
from bench.synth import Sizes, build
from governance.people.models import User
from governance.portfolio.models import Initiative

SMALL = Sizes(1, 2, 30, 5, 2, 2, 1, 3, 200)
BIG = Sizes(2, 5, 150, 10, 2, 3, 2, 8, 1500)


def _add(org: Any, sizes: Sizes, ids: Any) -> None:
    build(org, sizes, ids, random.Random(org.slug))
    generate.insert_org(org)
    generate.fix_sequences()


def _counts(app: Any, db: Any, as_user: Any, org_id: int) -> dict[str, int]:
    ctx = pages.context(org_id)
    leader = db.session.get(User, ctx["leader_id"])
    db.session.commit()
    browser, counts = as_user(leader), {}
    for name, build_path, who in pages.PAGES:
        client = browser if who == "leader" else app.test_client()
        headers = {"Authorization": f"Bearer {ctx[who]}"} if who in ("token", "scoped") else {}
        path = build_path(ctx)
        assert client.get(path, headers=headers).status_code == 200, path
        counts[name] = _queries(db, client, path, headers)
    return counts


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_every_main_page_does_as_many_queries_at_both_sizes(demo_data, app, db, as_user):
    ids = generate.next_ids()
    small, big = generate._people(ids, 2)
    _add(small, SMALL, ids)
    db.session.commit()
    before = _counts(app, db, as_user, small.id)
    ids.next.update(generate.next_ids().next)  # the pages wrote rows (tokens, audit) since
    _add(big, BIG, ids)
    db.session.commit()
    after = _counts(app, db, as_user, big.id)
    assert db.session.scalar(sa.text("SELECT count(*) FROM decision")) > 150
    differing = {
        name: (before[name], after[name]) for name in before if before[name] != after[name]
    }
    assert not differing, f"queries (small, big) per page: {differing}"


def _queries(db: Any, client: Any, path: str, headers: dict[str, str]) -> int:
    db.session.remove()  # a production request starts with an empty session
    queries: list[Any] = []

    def count(*args: Any) -> None:
        queries.append(args)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return len(queries)


def test_checkpoint_pages_do_as_many_queries_with_few_and_many(db, world, as_user):
    from governance.people.operations import create_token
    from tests.gates.helpers import many_checkpoints

    users = world["users"]
    _token, plain = create_token(users["leader"], None)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    browser, api = as_user(users["leader"]), as_user(None)
    counts = []
    ids = (world["initiative"].id, users["contributor"].id, users["leader"].id)
    for size in (9, 300):
        initiative = db.session.get(Initiative, ids[0])
        contributor, leader = db.session.get(User, ids[1]), db.session.get(User, ids[2])
        made = many_checkpoints(initiative, contributor, size)
        mine = many_checkpoints(initiative, leader, size)
        cursor, own = made[1].id, mine[1].id
        paths = [
            (api, "/api/v1/orgs/acme-freight/checkpoints?limit=5", headers),
            (api, f"/api/v1/orgs/acme-freight/checkpoints?limit=5&after={cursor}", headers),
            (api, f"/api/v1/orgs/acme-freight/checkpoints?after={cursor}&status=pending", headers),
            (browser, "/reviews", {}),
            (browser, f"/reviews?after={cursor}&mine_after={own}", {}),
            (browser, "/orgs/acme-freight/reviews", {}),
            (browser, f"/orgs/acme-freight/reviews?after={cursor}&mine_after={own}", {}),
        ]
        counts.append([_queries(db, client, path, h) for client, path, h in paths])
    assert counts[0] == counts[1], f"queries (few, many) per page: {counts}"
