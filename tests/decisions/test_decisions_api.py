"""The decision log over the API: same rules as the web, keyset pages, OpenAPI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance import verify
from governance.decisions.models import Decision

URL = "/api/v1/orgs/acme-freight/decisions"


def _body(**overrides):
    return {
        "title": "Buy the OCR model",
        "context": "Label OCR needed at 12 hubs.",
        "decision": "Buy from vendor A",
        "decision_drivers": ["time to market"],
        "considered_options": ["build", "buy"],
        "details": {"contract": {"term_months": 24}},
        **overrides,
    }


def _count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Decision))


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("admin", 200, 201),
        ("leader", 200, 201),
        ("pmo", 200, 201),
        ("contributor", 200, 201),
        ("auditor", 200, 403),
        ("outsider", 404, 404),
    ],
)
def test_permission_matrix(client, world, token_for, db, role, read, write):
    headers = token_for(world["users"][role])
    assert client.get(URL, headers=headers).status_code == read
    response = client.post(URL, json=_body(), headers=headers)
    assert response.status_code == write
    assert _count(db) == (1 if write == 201 else 0)
    if write != 201:
        assert response.get_json()["error"]["code"] in {"forbidden", "not_found"}
    assert client.get(URL).status_code == 401


def test_post_answers_the_entry_with_its_hashes(client, world, token_for, db):
    headers = token_for(world["users"]["contributor"])
    response = client.post(
        URL,
        json=_body(impact="high", initiative_id=world["initiative"].id, phase="objectives"),
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert entry["status"] == "proposed" and entry["seq"] == 1
    assert entry["prev_hash"] == verify.GENESIS_HASH
    hashed = {k: v for k, v in entry.items() if k != "url"}
    assert verify.entry_hash(hashed) == entry["hash"]
    assert entry["url"].endswith("/orgs/acme-freight/decisions/1")


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"title": ""}, "title"),
        ({"status": "superseded"}, "status"),
        ({"impact": "huge"}, "impact"),
        ({"details": {"score": 0.92}}, "float"),
        ({"phase": "governance"}, "initiative of this phase"),
        ({"decision_drivers": "not a list"}, "decision_drivers"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, world, token_for, db, overrides, fragment):
    response = client.post(URL, json=_body(**overrides), headers=token_for(world["users"]["pmo"]))
    assert response.status_code in (400, 422)
    assert fragment in response.get_json()["error"]["message"]
    assert _count(db) == 0


def test_another_organizations_initiative_is_refused(client, world, token_for, db):
    body = _body(initiative_id=world["other_initiative"].id)
    response = client.post(URL, json=body, headers=token_for(world["users"]["leader"]))
    assert response.status_code == 404 and _count(db) == 0
    assert "initiative_id: No such initiative" in response.get_json()["error"]["message"]


def test_get_pages_and_filters(client, world, token_for, db):
    headers = token_for(world["users"]["leader"])
    for n in range(5):
        client.post(
            URL, json=_body(title=f"D{n}", impact="high" if n == 3 else "normal"), headers=headers
        )
    auditor = token_for(world["users"]["auditor"])
    first = client.get(f"{URL}?limit=2", headers=auditor).get_json()
    assert [i["title"] for i in first["items"]] == ["D4", "D3"] and first["next_after"] == 4
    assert first["head_seq"] == 5
    rest = client.get(f"{URL}?limit=10&after=4", headers=auditor).get_json()
    assert [i["title"] for i in rest["items"]] == ["D2", "D1", "D0"] and rest["next_after"] is None
    high = client.get(f"{URL}?impact=high", headers=auditor).get_json()
    assert [i["title"] for i in high["items"]] == ["D3"]
    bad = client.get(f"{URL}?status=nope", headers=auditor)
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["message"]


def test_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/orgs/{slug}/decisions"]
    assert {"get", "post"} <= set(path)
    assert "DecisionInput" in spec["components"]["schemas"]
