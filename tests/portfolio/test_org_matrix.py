"""Issue 7: the organization page shows its initiative matrix in keyset pages of 25.

Pages cover every initiative once, in program then initiative order, forwards and back; the
program filter narrows them; bad or foreign parameters give the first page with a note, never a
500 nor another organization's names; the query count does not depend on the size.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from governance.portfolio import operations as ops
from governance.portfolio.models import Initiative, Program
from governance.portfolio.queries import MATRIX_PAGE_SIZE

ROW = re.compile(r'<th scope="row"><a href="/orgs/acme-freight/initiatives/(\d+)">')


def _add(db: Any, org: Any, program_name: str, count: int) -> Program:
    program = ops.create_program(org, program_name)
    for n in range(count):
        # Names out of insertion order: the page must sort them.
        ops.create_initiative(program, f"{program_name} initiative {(n * 7) % count:03d}")
    db.session.commit()
    return program


def _expected_order(db: Any, org: Any, program: Program | None = None) -> list[int]:
    query = (
        sa.select(Initiative.id)
        .join(Program, Program.id == Initiative.program_id)
        .where(Initiative.organization_id == org.id)
        .order_by(Program.name, Program.id, Initiative.name, Initiative.id)
    )
    if program is not None:
        query = query.where(Initiative.program_id == program.id)
    return list(db.session.scalars(query))


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client: Any, start: str) -> tuple[list[list[int]], list[str]]:
    pages, htmls, url = [], [], start
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        pages.append([int(i) for i in ROW.findall(html)])
        htmls.append(html)
        url = _link(html, "next")
        assert len(pages) < 20
    return pages, htmls


def test_pages_cover_every_initiative_once_in_order_both_ways(world, db, as_user):
    org = world["org"]
    _add(db, org, "Alpha", 30)
    _add(db, org, "Beta", 20)
    expected = _expected_order(db, org)
    assert len(expected) == 51
    client = as_user(world["users"]["contributor"])
    pages, htmls = _walk(client, "/orgs/acme-freight")
    assert [len(p) for p in pages] == [MATRIX_PAGE_SIZE, MATRIX_PAGE_SIZE, 1]
    assert [i for p in pages for i in p] == expected
    assert "Initiatives 1–25 of 51" in htmls[0]
    assert "Initiatives 26–50 of 51" in htmls[1]
    assert "Initiatives 51–51 of 51" in htmls[2]
    assert _link(htmls[0], "prev") is None and _link(htmls[-1], "next") is None
    # Back from the last page with the previous links: the same pages in reverse.
    back, url = [], _link(htmls[-1], "prev")
    while url is not None:
        html = client.get(url).get_data(as_text=True)
        back.append([int(i) for i in ROW.findall(html)])
        url = _link(html, "prev")
    assert back == pages[-2::-1]
    # Everything else the page shows is still there.
    for name in ("Alpha", "Beta", "Overdue exit criteria", "People", "Open exit criteria"):
        assert name in htmls[0]


def test_a_small_organization_has_one_page_and_no_page_links(world, as_user):
    html = as_user(world["users"]["auditor"]).get("/orgs/acme-freight").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(html)] == [world["initiative"].id]
    assert "Initiatives 1–1 of 1" in html
    assert _link(html, "next") is None and _link(html, "prev") is None


def test_a_program_without_initiatives_is_still_listed(world, db, as_user):
    ops.create_program(world["org"], "Empty program", "Nothing yet")
    db.session.commit()
    html = as_user(world["users"]["leader"]).get("/orgs/acme-freight").get_data(as_text=True)
    assert "Empty program" in html and "Nothing yet" in html
    assert "Edit program" in html and "Add initiative" in html


def test_the_program_filter_pages_through_one_program(world, db, as_user):
    org = world["org"]
    alpha = _add(db, org, "Alpha", 30)
    _add(db, org, "Beta", 20)
    client = as_user(world["users"]["pmo"])
    pages, htmls = _walk(client, f"/orgs/acme-freight?program={alpha.id}")
    assert [i for p in pages for i in p] == _expected_order(db, org, alpha)
    assert "Initiatives 1–25 of 30 in Alpha" in htmls[0]
    assert "Initiatives 26–30 of 30 in Alpha" in htmls[1]
    assert "Beta initiative" not in htmls[0] + htmls[1]
    assert f"program={alpha.id}" in (_link(htmls[1], "prev") or "")


def _first_page(html: str, world: dict[str, Any]) -> None:
    assert [int(i) for i in ROW.findall(html)] == [world["initiative"].id]


def test_bad_parameters_give_the_first_page_with_a_note(world, db, as_user):
    client = as_user(world["users"]["contributor"])
    other_program = world["other_initiative"].program
    cases = {
        "program=abc": "not a number",
        "program=-3": "not a number",
        "program=999999": "No such program in this organization",
        f"program={other_program.id}": "No such program in this organization",
        "after=abc": "not valid",
        "before=0": "not valid",
        "after=" + "9" * 40: "not valid",
        "after=999999": "out of date",
        f"after={world['other_initiative'].id}": "out of date",
        f"before={world['other_initiative'].id}": "out of date",
        f"after={world['initiative'].id}": "out of date",  # nothing after the last one
        f"before={world['initiative'].id}": "out of date",  # nothing before the first one
    }
    for query, note in cases.items():
        response = client.get(f"/orgs/acme-freight?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert note in html, query
        _first_page(html, world)
        # Nothing of the other organization shows, whatever was asked.
        assert other_program.name not in html and "Claims triage" not in html, query


def test_permissions_are_unchanged_with_parameters(world, as_user):
    other_program = world["other_initiative"].program
    query = f"?program={other_program.id}&after={world['other_initiative'].id}"
    assert as_user(world["users"]["outsider"]).get(f"/orgs/acme-freight{query}").status_code == 404
    anonymous = as_user(None).get(f"/orgs/acme-freight{query}")
    assert anonymous.status_code == 302
    assert as_user(world["users"]["admin"]).get(f"/orgs/acme-freight{query}").status_code == 200


def _queries(app: Any, db: Any, client: Any, url: str) -> int:
    db.session.remove()
    seen: list[Any] = []

    def count(*args: Any) -> None:
        seen.append(args)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_same_query_count_with_few_and_many_initiatives(app, world, db, as_user):
    client = as_user(world["users"]["leader"])
    org, program_id = world["org"], world["initiative"].program_id

    def grow(count: int) -> list[str]:
        program = db.session.get(Program, program_id)
        for _ in range(count):
            ops.create_initiative(program, f"More {db.session.scalar(sa.func.random())}")
        db.session.commit()
        middle = _expected_order(db, org)[26]  # on the second page: both links valid
        return [
            "/orgs/acme-freight",
            f"/orgs/acme-freight?after={middle}",
            f"/orgs/acme-freight?before={middle}",
            f"/orgs/acme-freight?program={program_id}",
        ]

    client.get("/orgs/acme-freight")
    few = [_queries(app, db, client, url) for url in grow(29)]
    _add(db, org, "Alpha", 40)
    many = [_queries(app, db, client, url) for url in grow(100)]
    assert few == many
