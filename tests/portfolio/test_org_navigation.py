"""Issue 15, item 3: one organization bar on every organization page, the current place
marked; one breadcrumb trail; the light list pages (initiatives, reviews, objectives)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, url_for

from governance.extensions import db
from governance.people.models import User
from governance.portfolio.models import Program
from governance.portfolio.navigation import PLACES, Place, current_place
from tests.conftest import build_world, module_app
from tests.scene import build_scene
from tests.test_route_sweep import build, path_values

# Which place of the bar each organization page belongs to. Written out by hand: a new page
# under /orgs/<slug>/ fails test_every_org_page_is_listed until it is added here.
PLACE_OF = {
    "organizations.show": "Overview",
    "organizations.edit": "Overview",
    "organizations.members": "Overview",
    "organizations.confirm_remove_member": "Overview",
    "lineage.confirm_remove_edge": "Lineage",
    "organizations.create_program": "Overview",
    "organizations.edit_program": "Overview",
    "organizations.initiatives": "Initiatives",
    "initiatives.create": "Initiatives",
    "initiatives.show": "Initiatives",
    "initiatives.edit": "Initiatives",
    "initiatives.evidence": "Initiatives",
    "initiatives.plan": "Initiatives",
    "initiatives.phase_owner": "Initiatives",
    "checkpoints.request_phase": "Initiatives",
    "checkpoints.request_gate": "Initiatives",
    "checkpoints.waive": "Initiatives",
    "maturity.assessments": "Initiatives",
    "maturity.new_assessment": "Initiatives",
    "checkpoints.organization_queue": "Reviews",
    "checkpoints.show": "Reviews",
    "decisions.index": "Decisions",
    "decisions.create": "Decisions",
    "decisions.show": "Decisions",
    "decisions.correct": "Decisions",
    "decisions.verify": "Decisions",
    "lineage.index": "Lineage",
    "lineage.show": "Lineage",
    "lineage.impact": "Lineage",
    "lineage.create": "Lineage",
    "lineage.edit": "Lineage",
    "lineage.rollback": "Lineage",
    "lineage.create_edge": "Lineage",
    "risks.index": "Risks",
    "operations.index": "Operations",
    "monitors.show": "Operations",
    "monitors.create": "Operations",
    "monitors.edit": "Operations",
    "incidents.index": "Incidents",
    "incidents.show": "Incidents",
    "incidents.create": "Incidents",
    "risks.show": "Risks",
    "risks.create": "Risks",
    "risks.edit": "Risks",
    "objectives.index": "Objectives and KPIs",
    "maturity.objectives": "Objectives and KPIs",
    "maturity.new_objective": "Objectives and KPIs",
    "maturity.edit_objective": "Objectives and KPIs",
    "maturity.new_kpi": "Objectives and KPIs",
    "maturity.edit_kpi": "Objectives and KPIs",
    "maturity.new_measurement": "Objectives and KPIs",
    "maturity.new_threshold": "Objectives and KPIs",
    "dashboards.organization": "Dashboard",
}
# Organization URLs that answer a file, not a page: no bar there.
FILES = {
    "dashboards.organization_csv",
    "dashboards.organization_json",
    "decisions.export",
    "decisions.verifier",
    "operations.figure_csv",
    "operations.figure_json",
}
BAR = [
    "Overview",
    "Initiatives",
    "Reviews",
    "Decisions",
    "Lineage",
    "Operations",
    "Incidents",
    "Risks",
    "Objectives and KPIs",
    "Dashboard",
]


def org_pages(app: Flask) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/orgs/<slug>")
        and "GET" in (rule.methods or set())
        and rule.endpoint not in FILES
    )


@pytest.fixture(scope="module")
def scene(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with module_app(database_template, tmp_path_factory, "orgnav") as app:
        world = build_world()
        ids = build_scene(world)
        users = {role: user.id for role, user in world["users"].items()}
        db.session.commit()
        yield app, ids, users


def bar(html: str) -> tuple[list[str], list[str]]:
    """The bar's labels, and the labels marked current."""
    found = re.search(r'<nav class="orgnav".*?</nav>', html, re.S)
    assert found, "no organization bar"
    links = re.findall(r"<a href=\"[^\"]+\"( aria-current=\"page\")?>([^<]+)</a>", found.group(0))
    return [text for _, text in links], [text for current, text in links if current]


def crumbs(html: str) -> list[str]:
    found = re.search(r'<nav class="crumbs" aria-label="Breadcrumb">(.*?)</nav>', html, re.S)
    assert found, "no breadcrumbs"
    return [
        re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", found[1])
    ]


def test_every_org_page_is_listed(scene):
    app = scene[0]
    assert sorted(PLACE_OF) == org_pages(app)


@pytest.mark.parametrize("endpoint", sorted(PLACE_OF))
def test_the_bar_marks_the_place_of_every_org_page(scene, endpoint):
    app, ids, users = scene
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    # A rollback plan belongs to a deployment.
    extra = {"artifact_id": ids["deployment"]} if endpoint == "lineage.rollback" else {}
    path = build(rule, path_values(ids, users), **extra)
    html = app.test_client(user=db.session.get(User, users["admin"])).get(path)
    assert html.status_code == 200, path
    labels, current = bar(html.get_data(as_text=True))
    assert labels == BAR
    assert current == [PLACE_OF[endpoint]]
    assert crumbs(html.get_data(as_text=True))[:2] == ["Portfolio", "Acme Freight"]


def test_pages_outside_an_organization_have_no_bar(scene):
    app, _ids, users = scene
    client = app.test_client(user=db.session.get(User, users["leader"]))
    for path in ("/", "/reviews", "/account/password"):
        assert 'class="orgnav"' not in client.get(path).get_data(as_text=True), path


def test_an_exact_endpoint_wins_over_a_blueprint():
    places = [
        Place("A", "a.index", frozenset({"a.index", "b.*"})),
        Place("B", "b.index", frozenset({"b.index", "b.special"})),
    ]
    assert current_place("b.special", places) is places[1]
    assert current_place("b.other", places) is places[0]
    assert current_place("c.other", places) is None
    assert current_place(None, places) is None


def test_each_place_is_one_line_and_its_own_page_counts_as_in_it():
    for p in PLACES:
        assert p.endpoint in p.within
    assert [p.label for p in PLACES] == BAR


@pytest.mark.parametrize(
    ("path", "trail"),
    [
        ("/orgs/acme-freight", ["Portfolio", "Acme Freight"]),
        ("/orgs/acme-freight/risks", ["Portfolio", "Acme Freight", "Risk register"]),
        ("/orgs/acme-freight/incidents", ["Portfolio", "Acme Freight", "Incidents"]),
        (
            "/orgs/acme-freight/incidents/{incident}",
            ["Portfolio", "Acme Freight", "Incidents", "#{incident} Fraud API AUC below 0.85"],
        ),
        ("/orgs/acme-freight/dashboard", ["Portfolio", "Acme Freight", "Dashboard"]),
        ("{i}", ["Portfolio", "Acme Freight", "{program}", "Parcel fraud scoring"]),
        (
            "{i}/objectives",
            [
                "Portfolio",
                "Acme Freight",
                "{program}",
                "Parcel fraud scoring",
                "Objectives and KPIs",
            ],
        ),
        (
            "/orgs/acme-freight/checkpoints/{checkpoint}",
            ["Portfolio", "Acme Freight", "{program}", "Parcel fraud scoring", "Checkpoint: *"],
        ),
        (
            "/orgs/acme-freight/decisions/{decision}",
            ["Portfolio", "Acme Freight", "Decision log", "#{decision}"],
        ),
    ],
)
def test_breadcrumbs(scene, path, trail):
    app, ids, users = scene
    program = db.session.get(Program, ids["program"]).name
    values = {"i": f"/orgs/acme-freight/initiatives/{ids['initiative']}", **ids}
    html = app.test_client(user=db.session.get(User, users["leader"])).get(path.format(**values))
    found = crumbs(html.get_data(as_text=True))
    expected = [t.format(**{**ids, "program": program}) for t in trail]
    assert len(found) == len(expected)
    for got, want in zip(found, expected, strict=True):
        assert got.startswith(want.rstrip("*")) if want.endswith("*") else got == want
    # The last crumb is this page, not a link.
    assert 'aria-current="page"' in html.get_data(as_text=True).split('class="crumbs"')[1]


def test_the_auditor_is_offered_nothing_the_role_refuses(scene):
    app, ids, users = scene
    client = app.test_client(user=db.session.get(User, users["auditor"]))
    pages = [
        "/orgs/acme-freight",
        "/orgs/acme-freight/initiatives",
        "/orgs/acme-freight/reviews",
        "/orgs/acme-freight/objectives",
        "/orgs/acme-freight/risks",
        f"/orgs/acme-freight/risks/{ids['risk']}",
        "/orgs/acme-freight/incidents",
        f"/orgs/acme-freight/incidents/{ids['incident']}",
    ]
    refused = ["/new", "/edit", "Record a decision", "New risk", "New initiative"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert not [r for r in refused if r in html], path


def test_record_a_decision_is_two_clicks_from_the_portfolio(scene):
    """Portfolio → the client card's organization → "Record a decision"."""
    app, _ids, users = scene
    client = app.test_client(user=db.session.get(User, users["leader"]))
    portfolio = client.get("/").get_data(as_text=True)
    with app.test_request_context():
        org_url = url_for("organizations.show", slug="acme-freight")
        form_url = url_for("decisions.create", slug="acme-freight")
    assert f'href="{org_url}"' in portfolio
    overview = client.get(org_url).get_data(as_text=True)
    assert f'href="{form_url}"' in overview
    assert client.get(form_url).status_code == 200


def test_client_cards_name_the_phases(scene):
    app, _ids, users = scene
    html = app.test_client(user=db.session.get(User, users["leader"])).get("/")
    text = html.get_data(as_text=True)
    for name in ("Objectives", "Assessment", "Knowledge transfer", "All phases complete"):
        assert name in text.split('class="phase-counts"')[1].split("</ol>")[0]
