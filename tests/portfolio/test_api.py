"""The JSON API: Bearer tokens, the same permission rules as the web, errors in one shape."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.people.models import ApiToken


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-real-token", "Basic dXNlcjpwYXNz", "bearer gov_forged"],
)
def test_requests_without_a_valid_token_get_401(client, world, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/orgs", headers=headers)
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"]["code"] == "unauthorized" and body["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_lists_exactly_the_users_organizations(client, world, token_for):
    headers = token_for(world["users"]["leader"])
    response = client.get("/api/v1/orgs", headers=headers)
    assert response.status_code == 200
    assert [(o["slug"], o["name"]) for o in response.get_json()["items"]] == [
        ("acme-freight", "Acme Freight")
    ]
    admin = client.get("/api/v1/orgs", headers=token_for(world["users"]["admin"])).get_json()
    assert {o["slug"] for o in admin["items"]} == {"acme-freight", "globex-health"}


def test_an_org_scoped_token_sees_only_that_organization(client, world, token_for, make_user):
    from governance.enums import Role

    both = make_user("Both", org=world["org"], role=Role.LEADER)
    from governance.people.operations import set_membership

    set_membership(both, world["other"], Role.PMO)
    headers = token_for(both, world["other"])
    listed = client.get("/api/v1/orgs", headers=headers).get_json()
    assert [(o["slug"], o["name"]) for o in listed["items"]] == [("globex-health", "Globex Health")]
    assert client.get("/api/v1/orgs/acme-freight/initiatives", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 200),
        ("leader", 200),
        ("pmo", 200),
        ("contributor", 200),
        ("auditor", 200),
        ("outsider", 404),
    ],
)
def test_initiatives_follow_the_web_permission_rules(client, world, token_for, role, status):
    response = client.get(
        "/api/v1/orgs/acme-freight/initiatives", headers=token_for(world["users"][role])
    )
    assert response.status_code == status
    if status == 200:
        item = response.get_json()["items"][0]
        assert item["name"] == "Parcel fraud scoring"
        assert item["current_phase"] == "objectives" and item["stage"] == "pilot"
    else:
        assert "Parcel" not in response.get_data(as_text=True)
        assert response.get_json()["error"]["code"] == "not_found"


def test_initiatives_are_paginated_by_keyset(client, world, token_for, make_initiative):
    for n in range(4):
        make_initiative(world["org"], f"Extra {n}", program=world["initiative"].program)
    headers = token_for(world["users"]["pmo"])
    first = client.get("/api/v1/orgs/acme-freight/initiatives?limit=2", headers=headers).get_json()
    assert len(first["items"]) == 2 and first["next_after"]
    seen = [i["id"] for i in first["items"]]
    after = first["next_after"]
    while after:
        page = client.get(
            f"/api/v1/orgs/acme-freight/initiatives?limit=2&after={after}", headers=headers
        ).get_json()
        seen += [i["id"] for i in page["items"]]
        after = page["next_after"]
    assert len(seen) == 5 == len(set(seen))


@pytest.mark.parametrize("query", ["limit=0", "limit=1000", "limit=abc", "after=x"])
def test_bad_paging_parameters_are_400_with_the_field_named(client, world, token_for, query):
    response = client.get(
        f"/api/v1/orgs/acme-freight/initiatives?{query}", headers=token_for(world["users"]["pmo"])
    )
    assert response.status_code in (400, 422)
    error = response.get_json()["error"]
    assert query.split("=")[0] in error["message"]


def test_unknown_organization_is_404_json(client, world, token_for):
    response = client.get(
        "/api/v1/orgs/nope/initiatives", headers=token_for(world["users"]["admin"])
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_tokens_are_stored_hashed_and_revocable(client, world, token_for, db):
    headers = token_for(world["users"]["leader"])
    plain = headers["Authorization"].split()[1]
    token = db.session.scalar(sa.select(ApiToken))
    assert plain not in token.token_hash and len(token.token_hash) == 64
    from governance.database import utcnow

    token.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/orgs", headers=headers).status_code == 401


def test_openapi_describes_what_exists(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/orgs" in spec["paths"]
    assert "/api/v1/orgs/{slug}/initiatives" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
