"""Checkpoints over the API: same rules as the web, errors in the contract's shape."""

from __future__ import annotations

import pytest

from governance.enums import CheckpointStatus
from governance.extensions import db
from governance.gates.queries import stage_gates_of
from tests.gates.helpers import fingerprint, many_checkpoints, meet_all, own_every_phase, unchanged


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


# ---- keyset pages (issue 7) --------------------------------------------------------------

LIST = "/api/v1/orgs/acme-freight/checkpoints"


def _all_pages(client, headers, query=""):
    """Follows `next_after` to the end; answers every page's ids."""
    pages, after = [], None
    while True:
        url = f"{LIST}?{query}" + (f"&after={after}" if after is not None else "")
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append([c["id"] for c in body["items"]])
        after = body["next_after"]
        if after is None:
            return pages
        assert after == pages[-1][-1]


def test_pages_chain_and_cover_every_checkpoint_once(client, world, token_for):
    users = world["users"]
    made = many_checkpoints(world["initiative"], users["contributor"], 23)
    many_checkpoints(world["other_initiative"], users["outsider"], 4)  # another organization
    headers = token_for(users["auditor"])
    pages = _all_pages(client, headers, "limit=5")
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert [i for p in pages for i in p] == [c.id for c in made]
    first = client.get(LIST, headers=headers).get_json()
    assert len(first["items"]) == 23 and first["next_after"] is None  # default limit 50
    exact = client.get(f"{LIST}?limit=23", headers=headers).get_json()
    assert exact["next_after"] is None


def test_filters_keep_working_with_pages(client, world, make_initiative, token_for):
    users = world["users"]
    made = many_checkpoints(world["initiative"], users["contributor"], 17)
    second = make_initiative(world["org"], "Route optimisation")
    other = many_checkpoints(second, users["contributor"], 6)
    headers = token_for(users["pmo"])
    everything = sorted(made + other, key=lambda c: (c.requested_at, c.id))
    pending = [c.id for c in everything if c.is_pending]
    pages = _all_pages(client, headers, "limit=4&status=pending")
    assert [i for p in pages for i in p] == pending and all(len(p) <= 4 for p in pages)
    pages = _all_pages(client, headers, f"limit=2&initiative_id={second.id}")
    assert [i for p in pages for i in p] == [c.id for c in other] and len(pages) == 3
    pages = _all_pages(client, headers, f"limit=1&status=approved&initiative_id={second.id}")
    assert [i for p in pages for i in p] == [c.id for c in other if not c.is_pending]


def test_a_bad_after_answers_400_and_bad_limits_422(client, world, token_for):
    users = world["users"]
    many_checkpoints(world["initiative"], users["contributor"], 3)
    theirs = many_checkpoints(world["other_initiative"], users["outsider"], 2)
    headers = token_for(users["leader"])
    for after in (999999, theirs[0].id):  # unknown; another organization's checkpoint
        response = client.get(f"{LIST}?after={after}", headers=headers)
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "bad_request" and "after" in error["message"]
    for query in ("after=abc", "limit=0", "limit=201"):
        response = client.get(f"{LIST}?{query}", headers=headers)
        assert response.status_code == 422 and response.get_json()["error"]["message"]


@pytest.mark.parametrize(("role", "status"), [("auditor", 200), ("outsider", 404), (None, 401)])
def test_who_may_list_pages_is_unchanged(client, world, token_for, role, status):
    users = world["users"]
    made = many_checkpoints(world["initiative"], users["contributor"], 4)
    headers = token_for(users[role]) if role else {}
    for query in ("", "?limit=2", f"?limit=2&after={made[1].id}"):
        response = client.get(LIST + query, headers=headers)
        assert response.status_code == status
        if status != 200:
            assert response.get_json()["error"]["message"]
            assert "items" not in response.get_json()


def test_the_openapi_document_describes_checkpoint_pages(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/orgs/{slug}/checkpoints"]["get"]
    names = {p["name"] for p in listing["parameters"] if p["in"] == "query"}
    assert {"limit", "after", "status", "initiative_id"} <= names
    assert "400" in listing["responses"]
    assert "next_after" in spec["components"]["schemas"]["CheckpointList"]["properties"]
