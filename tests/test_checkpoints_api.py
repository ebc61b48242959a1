"""Checkpoints over the API: same rules as the web, errors in the contract's shape."""

from __future__ import annotations

import pytest
from checkpoint_helpers import fingerprint, meet_all, own_every_phase, unchanged

from governance.enums import CheckpointStatus
from governance.extensions import db
from governance.operations.people import create_token
from governance.operations.phases import stage_gates_of


@pytest.fixture
def token_for(db):
    def factory(user, org=None):
        _token, plain = create_token(user, org)
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return factory


@pytest.fixture
def ready(world):
    initiative, users = world["initiative"], world["users"]
    own_every_phase(initiative, users["leader"])
    meet_all(initiative.phases[0].criteria, users["contributor"])
    db.session.commit()
    return world


def _request(client, headers, initiative, **target):
    body = {"initiative_id": initiative.id, "note": "Ready for review.", **target}
    return client.post("/api/v1/orgs/acme-freight/checkpoints", json=body, headers=headers)


def test_request_list_and_decide(client, ready, token_for):
    initiative, users = ready["initiative"], ready["users"]
    contributor, pmo = token_for(users["contributor"]), token_for(users["pmo"])
    made = _request(client, contributor, initiative, phase_id=initiative.phases[0].id)
    assert made.status_code == 201
    checkpoint = made.get_json()
    assert checkpoint["status"] == "pending" and checkpoint["phase"] == "objectives"
    listed = client.get("/api/v1/orgs/acme-freight/checkpoints?status=pending", headers=pmo)
    assert [c["id"] for c in listed.get_json()["items"]] == [checkpoint["id"]]
    url = f"/api/v1/orgs/acme-freight/checkpoints/{checkpoint['id']}/decision"
    mine = client.post(url, json={"outcome": "approved"}, headers=contributor)
    assert mine.status_code == 403 and mine.get_json()["error"]["code"] == "forbidden"
    decided = client.post(url, json={"outcome": "approved", "comment": "ok"}, headers=pmo)
    assert decided.status_code == 200
    body = decided.get_json()
    assert body["status"] == "approved" and body["decision_id"]
    assert len(body["approved_snapshot_sha256"]) == 64


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("leader", 200),
        ("pmo", 200),
        ("contributor", 403),
        ("auditor", 403),
        ("outsider", 404),
    ],
)
def test_who_may_decide_over_the_api(client, ready, token_for, role, status):
    initiative, users = ready["initiative"], ready["users"]
    made = _request(
        client, token_for(users["contributor"]), initiative, phase_id=initiative.phases[0].id
    ).get_json()
    before = fingerprint()
    response = client.post(
        f"/api/v1/orgs/acme-freight/checkpoints/{made['id']}/decision",
        json={"outcome": "rejected", "comment": "Not yet."},
        headers=token_for(users[role]),
    )
    assert response.status_code == status
    if status != 200:
        assert response.get_json()["error"]["message"]
        assert fingerprint()[1] == before[1]  # no decision written


def test_refusals_say_why_and_change_nothing(client, world, token_for):
    initiative, users = world["initiative"], world["users"]
    headers, auditor_headers = token_for(users["leader"]), token_for(users["auditor"])
    before = fingerprint()
    response = _request(client, headers, initiative, phase_id=initiative.phases[0].id)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("5 exit criteria are still open: ")
    response = _request(client, headers, initiative, stage_gate_id=stage_gates_of(initiative)[1].id)
    assert "Stages advance in order" in response.get_json()["error"]["message"]
    both = _request(client, headers, initiative, phase_id=1, stage_gate_id=1)
    assert both.status_code == 422
    other = _request(client, headers, world["other_initiative"], phase_id=1)
    assert other.status_code == 404
    auditor = _request(client, auditor_headers, initiative, phase_id=1)
    assert auditor.status_code == 403
    db.session.rollback()
    assert unchanged(before)
    assert initiative.phases[0].status.value == "in_progress"


def test_the_openapi_document_describes_checkpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/orgs/{slug}/checkpoints" in spec["paths"]
    decide = spec["paths"]["/api/v1/orgs/{slug}/checkpoints/{checkpoint_id}/decision"]["post"]
    assert {"200", "400", "403"} <= set(decide["responses"])
    assert CheckpointStatus.CHANGES_REQUESTED.value in str(spec["components"]["schemas"])
