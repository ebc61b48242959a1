"""Lineage pages: who may open and change what, registering with validation, rollback plans."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.enums import ArtifactKind, EdgeKind, Environment
from governance.lineage import operations as ops
from governance.lineage.models import LineageArtifact, LineageEdge, RollbackPlan
from tests.conftest import ROLES


def _expect(**given):
    members = given.pop("members", 200)
    base = {r: members for r in ("leader", "pmo", "contributor", "auditor")}
    base.update(admin=given.pop("admin", members), outsider=404, anonymous=302)
    base.update(given)
    return base


@pytest.fixture
def chain(world, db):
    """source -> dataset -> model version -> production deployment, in the first org."""
    org, initiative = world["org"], world["initiative"]

    def make(kind, name, **extra):
        data = ops.ArtifactInput("acme", name, initiative_id=initiative.id, **extra)
        return ops.register_artifact(org, world["users"]["contributor"], kind, data)

    source = make(ArtifactKind.DATA_SOURCE, "scans")
    dataset = make(ArtifactKind.DATASET, "parcels")
    model = make(ArtifactKind.MODEL, "fraud")
    version = make(
        ArtifactKind.MODEL_VERSION, "fraud@1", version_tag="1", owner="Ann", parent_id=model.id
    )
    deployment = make(ArtifactKind.DEPLOYMENT, "fraud-api", environment=Environment.PRODUCTION)
    ops.add_edge(source, dataset, EdgeKind.DERIVED_FROM, world["users"]["contributor"])
    ops.add_edge(dataset, version, EdgeKind.TRAINED_ON, world["users"]["contributor"])
    ops.add_edge(version, deployment, EdgeKind.DEPLOYED_AS, world["users"]["contributor"])
    db.session.commit()
    return {
        "source": source,
        "dataset": dataset,
        "model": model,
        "version": version,
        "deployment": deployment,
    }


def _paths(chain):
    base = "/orgs/acme-freight/lineage"
    return {
        "index": base,
        "show": f"{base}/{chain['dataset'].id}",
        "impact": f"{base}/{chain['dataset'].id}/impact",
        "new": f"{base}/new",
        "edit": f"{base}/{chain['dataset'].id}/edit",
        "edge_new": f"{base}/edges/new",
        "rollback": f"{base}/{chain['deployment'].id}/rollback",
    }


PAGES = [
    ("index", _expect()),
    ("show", _expect()),
    ("impact", _expect()),
    ("new", _expect(auditor=403)),
    ("edit", _expect(auditor=403)),
    ("edge_new", _expect(auditor=403)),
    ("rollback", _expect(auditor=403)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page,expected", PAGES, ids=[p[0] for p in PAGES])
def test_who_may_open_each_lineage_page(world, chain, as_user, user_in_role, role, page, expected):
    response = as_user(user_in_role(role)).get(_paths(chain)[page])
    assert response.status_code == expected[role]


def test_another_organizations_artifact_is_not_found(world, chain, as_user, db):
    other = ops.register_artifact(
        world["other"],
        world["users"]["outsider"],
        ArtifactKind.DATASET,
        ops.ArtifactInput("g", "x"),
    )
    db.session.commit()
    client = as_user(world["users"]["leader"])
    assert client.get(f"/orgs/acme-freight/lineage/{other.id}").status_code == 404


@pytest.mark.parametrize("role,status", [("contributor", 302), ("auditor", 403), ("outsider", 404)])
def test_registering_an_artifact(world, chain, as_user, db, role, status):
    form = {
        "kind": "feature_set",
        "namespace": "feast",
        "name": "fraud_features",
        "data_classification": "confidential",
        "initiative_id": str(world["initiative"].id),
        "owner": "Ann",
        "version_tag": "3",
        "environment": "",
        "parent_id": "",
        "description": "",
    }
    before = db.session.scalar(sa.select(sa.func.count(LineageArtifact.id)))
    response = as_user(world["users"][role]).post("/orgs/acme-freight/lineage/new", data=form)
    assert response.status_code == status
    after = db.session.scalar(sa.select(sa.func.count(LineageArtifact.id)))
    assert after == before + (1 if status == 302 else 0)
    if status == 302:
        audit = db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.record_type == "lineage_artifact")
            .order_by(AuditEvent.id.desc())
        )
        assert audit.action == "insert" and "fraud_features" in audit.new_value


BAD_FORMS = [
    ({"name": ""}, "This field is required"),
    ({"name": "parcels"}, "already registered"),
    ({"kind": "galaxy"}, "Not a valid choice"),
    ({"initiative_id": "999999"}, "Not a valid choice"),
    ({"kind": "dataset", "parent_id": "MODEL"}, "Only a model version"),
]


@pytest.mark.parametrize("change,message", BAD_FORMS, ids=[str(b[0]) for b in BAD_FORMS])
def test_a_bad_artifact_is_refused_with_a_message(world, chain, as_user, db, change, message):
    form = {
        "kind": "dataset",
        "namespace": "acme",
        "name": "new",
        "data_classification": "internal",
        "initiative_id": "",
        "environment": "",
        "parent_id": "",
        "owner": "",
        "version_tag": "",
    }
    form.update(change)
    if form["parent_id"] == "MODEL":
        form["parent_id"] = str(chain["model"].id)
    before = db.session.scalar(sa.select(sa.func.count(LineageArtifact.id)))
    response = as_user(world["users"]["contributor"]).post(
        "/orgs/acme-freight/lineage/new", data=form
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LineageArtifact.id))) == before


def test_edges_are_checked_for_sense(world, chain, as_user, db):
    client = as_user(world["users"]["contributor"])
    path = "/orgs/acme-freight/lineage/edges/new"
    before = db.session.scalar(sa.select(sa.func.count(LineageEdge.id)))
    wrong = {
        "source_id": chain["deployment"].id,
        "kind": "trained_on",
        "target_id": chain["source"].id,
    }
    response = client.post(path, data=wrong)
    assert response.status_code == 400 and "does not join" in response.get_data(as_text=True)
    same = {
        "source_id": chain["dataset"].id,
        "kind": "derived_from",
        "target_id": chain["dataset"].id,
    }
    assert client.post(path, data=same).status_code == 400
    twice = {
        "source_id": chain["source"].id,
        "kind": "derived_from",
        "target_id": chain["dataset"].id,
    }
    assert "already registered" in client.post(path, data=twice).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LineageEdge.id))) == before
    good = {
        "source_id": chain["version"].id,
        "kind": "measured_by",
        "target_id": chain["deployment"].id,
    }
    assert (
        client.post(path, data=good).status_code == 400
    )  # an outcome is measured, not a deployment


def test_rollback_plan_and_the_rule_that_reads_it(world, chain, as_user, db):
    from governance.gates.rules import evaluate

    initiative = world["initiative"]
    assert not evaluate("production_rollback_tested", initiative).passed
    client = as_user(world["users"]["contributor"])
    path = f"/orgs/acme-freight/lineage/{chain['deployment'].id}/rollback"
    form = {
        "target_version_id": chain["version"].id,
        "procedure": "Switch the alias back.",
        "owner": "Ann",
        "last_tested_on": (date.today() + timedelta(days=3)).isoformat(),
        "restore_minutes": "9",
    }
    response = client.post(path, data=form)
    assert response.status_code == 400 and "future" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(RollbackPlan)) is None
    form["last_tested_on"] = (date.today() - timedelta(days=200)).isoformat()
    assert client.post(path, data=form).status_code == 302
    stale = evaluate("production_rollback_tested", initiative)
    assert not stale.passed and "more than 180 days" in stale.failures[0].reason
    plan = db.session.scalar(sa.select(RollbackPlan))
    form.update(
        last_tested_on=(date.today() - timedelta(days=10)).isoformat(), version=str(plan.version)
    )
    assert client.post(path, data=form).status_code == 302
    assert evaluate("production_rollback_tested", initiative).passed
    page = client.get(f"/orgs/acme-freight/lineage/{chain['deployment'].id}").get_data(as_text=True)
    assert "Switch the alias back." in page and "fraud@1" in page


def test_the_pages_draw_the_graph_without_inline_script(world, chain, as_user):
    client = as_user(world["users"]["auditor"])
    page = client.get("/orgs/acme-freight/lineage").get_data(as_text=True)
    assert 'data-figure="lineage-figure"' in page and "/assets/plotly.min.js" in page
    assert "<script>" not in page and "cdn" not in page.lower()
    impact = client.get(f"/orgs/acme-freight/lineage/{chain['dataset'].id}/impact").get_data(
        as_text=True
    )
    assert "fraud-api" in impact and "fraud@1" in impact and "scans" not in impact
    js = client.get("/assets/plotly.min.js")
    js.close()
    assert js.status_code == 200 and js.mimetype == "text/javascript"


def test_the_organization_page_links_to_its_lineage(world, as_user):
    page = as_user(world["users"]["auditor"]).get("/orgs/acme-freight").get_data(as_text=True)
    assert "/orgs/acme-freight/lineage" in page


def test_the_organization_graph_draws_the_most_connected_artifacts_first(world, chain, db):
    from governance.lineage import queries as q

    graph = q.org_graph(world["org"], limit=2)
    assert {a.name for a in graph.artifacts} == {"parcels", "fraud@1"}  # two edges each
    assert graph.total == 5 and graph.capped
    assert graph.edges == [(chain["dataset"].id, chain["version"].id)]  # drawn ends only
    tie = q.org_graph(world["org"], limit=3)  # one edge each: the most recent first
    assert {a.name for a in tie.artifacts} == {"parcels", "fraud@1", "fraud-api"}
    assert not q.org_graph(world["org"]).capped


def test_the_lineage_page_says_how_many_artifacts_it_shows(world, chain, as_user, db, monkeypatch):
    from governance.lineage import queries as q

    client = as_user(world["users"]["auditor"])
    page = client.get("/orgs/acme-freight/lineage").get_data(as_text=True)
    assert "Showing" not in page and "Artifacts as a table (5)" in page
    monkeypatch.setattr(q, "GRAPH_LIMIT", 3)
    page = client.get("/orgs/acme-freight/lineage").get_data(as_text=True)
    assert "Showing 3 of 5 artifacts" in page and "filter by initiative to see the rest" in page
    assert "Artifacts as a table (3 of 5, the ones drawn)" in page
    assert page.count("/orgs/acme-freight/lineage/") - page.count("/impact") >= 3
    assert "scans" not in page.split("Artifacts as a table")[1]  # one edge, oldest: not drawn
    filtered = client.get(f"/orgs/acme-freight/lineage?initiative={world['initiative'].id}")
    text = filtered.get_data(as_text=True)
    assert "Showing 3 of 5 artifacts" in text and "filter by initiative" not in text


def _index_queries(db, client):
    db.session.remove()
    queries = []

    def count(*args):
        queries.append(args)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/orgs/acme-freight/lineage")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(queries), response.get_data(as_text=True)


def test_the_lineage_page_queries_and_draws_a_bounded_graph_whatever_the_size(
    world, chain, as_user, db, monkeypatch
):
    from governance.lineage import queries as q

    monkeypatch.setattr(q, "GRAPH_LIMIT", 4)
    client = as_user(world["users"]["auditor"])
    contributor = world["users"]["contributor"]
    contributor_id = contributor.id
    client.get("/orgs/acme-freight/lineage")
    small, _ = _index_queries(db, client)
    org, initiative = world["org"], world["initiative"]
    org = db.session.get(type(org), org.id)
    by = db.session.get(type(contributor), contributor_id)
    for n in range(20):
        data = ops.ArtifactInput("acme", f"table-{n}", initiative_id=initiative.id)
        ops.register_artifact(org, by, ArtifactKind.DATASET, data)
    db.session.commit()
    big, page = _index_queries(db, client)
    assert big == small
    assert "Showing 4 of 25 artifacts" in page and "Artifacts as a table (4 of 25" in page
