"""Monitors through the API: list, create, read, and PATCH with If-Match (412 when stale)."""

from __future__ import annotations

from governance.extensions import db
from tests.monitoring.helpers import add_observations

API = "/api/v1/orgs/acme-freight"


def _new(deployment_id, **change):
    return {
        "deployment_id": deployment_id,
        "key": "fraud-api-latency",
        "name": "Fraud API p95 latency",
        "signal": "pipeline_latency",
        "metric": "p95_ms",
        "comparator": "below",
        "threshold": 250,
        "unit": "ms",
        "window_minutes": 15,
        "severity": "sev3",
        **change,
    }


def test_list_and_read_monitors_with_their_state(world, ops_scene, client, token_for):
    add_observations(ops_scene["org"], ops_scene["auc"], [0.8])
    headers = token_for(world["users"]["auditor"])
    listed = client.get(f"{API}/monitors", headers=headers).get_json()["items"]
    by_key = {m["key"]: m for m in listed}
    assert by_key["fraud-api-auc"]["state"] == "breaching"
    assert by_key["fraud-api-auc"]["latest_value"] == 0.8
    assert by_key["fraud-api-auc"]["condition"] == "auc ≥ 0.85"
    assert by_key["parcels-customer-not-null"]["state"] == "never"
    only = client.get(
        f"{API}/monitors?deployment={ops_scene['deployment'].id + 1000}", headers=headers
    )
    assert only.get_json()["items"] == []
    one = client.get(f"{API}/monitors/{ops_scene['auc'].id}", headers=headers)
    assert one.status_code == 200 and one.headers["ETag"] == '"1"'
    assert one.get_json()["url"].endswith(f"/orgs/acme-freight/monitors/{ops_scene['auc'].id}")


def test_create_a_monitor(world, ops_scene, client, token_for):
    headers = token_for(world["users"]["contributor"], world["org"])
    response = client.post(
        f"{API}/monitors", json=_new(ops_scene["deployment"].id), headers=headers
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["condition"] == "p95_ms < 250 ms" and body["state"] == "never"
    assert body["version"] == 1 and response.headers["ETag"] == '"1"'


def test_bad_monitors_are_refused_naming_the_field(world, ops_scene, client, token_for):
    headers = token_for(world["users"]["contributor"])
    deployment = ops_scene["deployment"].id
    cases = [
        (_new(deployment, key="Bad Key"), "key"),
        (_new(deployment, key="fraud-api-auc"), "key"),
        (_new(ops_scene["dataset"].id), "deployment_id"),
        (_new(999999), "deployment_id"),
        (_new(deployment, signal="vibes"), "signal"),
        (_new(deployment, threshold="high"), "threshold"),
        (_new(deployment, window_minutes=0), "window_minutes"),
        (_new(deployment, owner_id=world["users"]["outsider"].id), "owner_id"),
        (_new(deployment, dataset_id=deployment), "dataset_id"),
    ]
    for body, field in cases:
        response = client.post(f"{API}/monitors", json=body, headers=headers)
        assert response.status_code in (400, 422), (field, response.get_json())
        assert field in str(response.get_json()["error"]), (field, response.get_json())
    listed = client.get(f"{API}/monitors", headers=headers).get_json()["items"]
    assert len(listed) == 2


def test_patch_with_if_match(world, ops_scene, client, token_for):
    headers = token_for(world["users"]["pmo"])
    path = f"{API}/monitors/{ops_scene['auc'].id}"
    changed = client.patch(
        path, json={"threshold": 0.9, "active": False}, headers={**headers, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["condition"] == "auc ≥ 0.9" and changed.get_json()["active"] is False
    assert changed.headers["ETag"] == '"2"'
    stale = client.patch(path, json={"name": "AUC"}, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.get_json()["error"]["details"]["current"]["threshold"] == 0.9
    junk = client.patch(path, json={"name": "AUC"}, headers={**headers, "If-Match": "nope"})
    assert junk.status_code == 412
    # Without If-Match the change applies (last writer wins, as the client asked).
    assert client.patch(path, json={"name": "AUC"}, headers=headers).status_code == 200
    db.session.expire_all()
    assert ops_scene["auc"].name == "AUC" and ops_scene["auc"].version == 3
    bad = client.patch(path, json={"comparator": "about"}, headers=headers)
    assert bad.status_code == 422 and "comparator" in str(bad.get_json())
    refused = client.patch(path, json={"key": "Not OK"}, headers=headers)
    assert refused.status_code == 400 and refused.get_json()["error"]["details"]["key"]


def test_who_may_write_monitors(world, ops_scene, client, token_for):
    path = f"{API}/monitors/{ops_scene['auc'].id}"
    auditor = token_for(world["users"]["auditor"])
    assert client.patch(path, json={"name": "x"}, headers=auditor).status_code == 403
    outsider = token_for(world["users"]["outsider"])
    assert client.get(path, headers=outsider).status_code == 404
    other_scope = token_for(world["users"]["outsider"], world["other"])
    assert client.get(path, headers=other_scope).status_code == 404
    assert client.get(path).status_code == 401


def test_the_openapi_document_describes_monitors_and_observations(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/orgs/{slug}/monitors"])
    assert {"get", "patch"} <= set(paths["/api/v1/orgs/{slug}/monitors/{monitor_id}"])
    batch = paths["/api/v1/orgs/{slug}/observations"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ObservationBatch"
    )
    assert "ObservationItem" in spec["components"]["schemas"]
