"""Issue 15 (charts): an artifact page says what its OpenLineage node id is, and its edges
read the right way round ("fraud@1 trained on parcels", not "parcels trained on fraud@1")."""

from __future__ import annotations

import re

from governance.enums import ArtifactKind, EdgeKind
from governance.lineage import operations as ops
from governance.lineage.models import LineageEdge


def _make(world, kind, name):
    data = ops.ArtifactInput("acme", name, initiative_id=world["initiative"].id)
    return ops.register_artifact(world["org"], world["users"]["contributor"], kind, data)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_kind_of_edge_reads_as_a_sentence_the_right_way_round(world, db):
    source = _make(world, ArtifactKind.DATASET, "parcels")
    derived = _make(world, ArtifactKind.FEATURE_SET, "parcel-features")
    model = _make(world, ArtifactKind.MODEL_VERSION, "fraud@1")
    deployment = _make(world, ArtifactKind.DEPLOYMENT, "fraud-api")
    outcome = _make(world, ArtifactKind.BUSINESS_OUTCOME, "losses")
    job = _make(world, ArtifactKind.JOB, "nightly")
    who = world["users"]["contributor"]
    cases = [
        (source, derived, EdgeKind.DERIVED_FROM, "parcel-features derived from parcels"),
        (source, model, EdgeKind.TRAINED_ON, "fraud@1 trained on parcels"),
        (model, deployment, EdgeKind.DEPLOYED_AS, "fraud@1 deployed as fraud-api"),
        (job, source, EdgeKind.FEEDS, "nightly feeds parcels"),
        (deployment, outcome, EdgeKind.MEASURED_BY, "losses measured by fraud-api"),
    ]
    for upstream, downstream, kind, sentence in cases:
        edge = ops.add_edge(upstream, downstream, kind, who)
        first, relation, second = edge.reading()
        assert f"{first.name} {relation} {second.name}" == sentence
    db.session.commit()
    assert db.session.query(LineageEdge).count() == len(cases)


def test_the_artifact_page_lists_edges_as_sentences_and_explains_a_models_node_id(
    world, db, as_user
):
    data = _make(world, ArtifactKind.DATASET, "parcels")
    model = _make(world, ArtifactKind.MODEL, "fraud")
    ops.add_edge(data, model, EdgeKind.TRAINED_ON, world["users"]["contributor"])
    db.session.commit()
    client = as_user(world["users"]["leader"])
    page = _text(client.get(f"/orgs/acme-freight/lineage/{model.id}").get_data(as_text=True))
    assert "fraud trained on parcels (upstream)" in page
    # OpenLineage (and the API's nodeId) calls every artifact but a job a dataset: said so.
    assert "OpenLineage node dataset:acme:fraud" in page
    assert "OpenLineage calls every artifact but a job a dataset" in page
    upstream = _text(client.get(f"/orgs/acme-freight/lineage/{data.id}").get_data(as_text=True))
    assert "fraud trained on parcels (downstream)" in upstream
    assert "OpenLineage calls every artifact" not in upstream  # a dataset is a dataset


def test_adding_an_edge_says_what_was_added_in_the_right_order(world, db, as_user):
    data = _make(world, ArtifactKind.DATASET, "parcels")
    model = _make(world, ArtifactKind.MODEL, "fraud")
    db.session.commit()
    client = as_user(world["users"]["contributor"])
    response = client.post(
        "/orgs/acme-freight/lineage/edges/new",
        data={"source_id": data.id, "target_id": model.id, "kind": "trained_on"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Edge added: fraud trained on parcels." in _text(response.get_data(as_text=True))
