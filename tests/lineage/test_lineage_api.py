"""The lineage API's refusals: every bad input answers 400 with a message and stores nothing;
no token 401; a token that may not write 403; an unscoped token 403 with a message."""

from __future__ import annotations

import copy
import gzip
import json

import pytest
import sqlalchemy as sa

from governance.lineage.models import LineageArtifact, LineageEdge, LineageEvent, LineageRun
from governance.people import operations as people

RUN_ID = "3f5e83fa-3480-44ff-99c5-ff943904e5e8"
GOOD = {
    "eventType": "START",
    "eventTime": "2026-11-20T02:00:00.123456789Z",
    "producer": "https://github.com/example/pipelines/v1",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": RUN_ID, "facets": {"acme_cost": {"_producer": "x", "eur": 3.2}}},
    "job": {"namespace": "airflow", "name": "etl.orders"},
    "inputs": [{"namespace": "pg://db:5432", "name": "public.orders"}],
    "outputs": [{"namespace": "s3://lake", "name": "orders_clean", "facets": {"x_unknown": {}}}],
}


def _token(world, role="contributor", scoped=True) -> str:
    _row, plain = people.create_token(world["users"][role], world["org"] if scoped else None)
    from governance.extensions import db

    db.session.commit()
    return plain


def _post(client, token, body, path="/api/v1/lineage", **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers.setdefault("Content-Type", "application/json")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(path, data=data, headers=headers)


def _stored(db) -> list[int]:
    return [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (LineageEvent, LineageArtifact, LineageEdge, LineageRun)
    ]


def _with(path: str, value):
    event = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = event
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is KeyError:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return event


BAD = [
    ("not json", b"{not json", "not valid JSON"),
    ("empty", b"", "empty"),
    ("array to single", b"[]", "JSON object"),
    ("no eventTime", _with("eventTime", KeyError), "eventTime: required"),
    ("bad eventTime", _with("eventTime", "yesterday"), "eventTime: 'yesterday' is not"),
    ("date only", _with("eventTime", "2026-11-20"), "eventTime"),
    ("bad runId", _with("run.runId", "run-42"), "run.runId: 'run-42' is not a UUID"),
    ("no run", _with("run", KeyError), "run: required"),
    ("unknown type", _with("eventType", "FINISHED"), "eventType: 'FINISHED' is not"),
    ("no job name", _with("job.name", KeyError), "job.name: required"),
    ("no producer", _with("producer", KeyError), "producer: required"),
    ("no schemaURL", _with("schemaURL", KeyError), "schemaURL: required"),
    ("inputs not list", _with("inputs", {"a": 1}), "inputs: a JSON array"),
    ("input no ns", _with("inputs.0.namespace", ""), "inputs[0].namespace: required"),
    ("facet not object", _with("run.facets.acme_cost", 3), "run.facets.acme_cost: a facet"),
    (
        "not an event",
        {"eventTime": "2026-11-20T02:00:00Z", "producer": "p", "schemaURL": "s"},
        "not an OpenLineage event",
    ),
]


@pytest.mark.parametrize("body,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_event_is_refused_with_a_message_and_nothing_stored(world, client, db, body, message):
    response = _post(client, _token(world), body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_json()["error"]["message"]
    assert _stored(db) == [0, 0, 0, 0]


def test_a_good_event_is_stored_with_its_unknown_facets(world, client, db):
    response = _post(client, _token(world), GOOD)
    assert response.status_code == 201
    assert response.get_json() == {"received": 1, "stored": 1, "duplicates": 0}
    assert _stored(db) == [1, 3, 2, 1]
    raw = db.session.scalar(sa.select(LineageEvent.raw))
    assert json.loads(raw) == GOOD  # as received, byte for byte here
    run = db.session.scalar(sa.select(LineageRun))
    assert run.facets["acme_cost"]["eur"] == 3.2
    again = _post(client, _token(world), GOOD)
    assert again.get_json() == {"received": 1, "stored": 0, "duplicates": 1}
    assert _stored(db) == [1, 3, 2, 1]


def test_gzip_bodies_are_read_and_broken_gzip_is_refused(world, client, db):
    token = _token(world)
    packed = gzip.compress(json.dumps(GOOD).encode())
    assert _post(client, token, packed, **{"Content-Encoding": "gzip"}).status_code == 201
    broken = _post(client, token, b"\x1f\x8bnot-gzip", **{"Content-Encoding": "gzip"})
    assert broken.status_code == 400 and "gzip" in broken.get_json()["error"]["message"]
    assert _post(client, token, b"x", **{"Content-Encoding": "br"}).status_code == 400
    assert _stored(db)[0] == 1


def test_a_batch_is_all_or_nothing(world, client, db):
    token = _token(world)
    second = _with("eventType", "COMPLETE")
    second["eventTime"] = "2026-11-20T02:10:00Z"
    bad = _with("run.runId", "nope")
    response = _post(client, token, [GOOD, second, bad], "/api/v1/lineage/batch")
    assert response.status_code == 400
    assert "events[2].run.runId" in response.get_json()["error"]["message"]
    assert _stored(db) == [0, 0, 0, 0]
    response = _post(client, token, [second, GOOD, GOOD], "/api/v1/lineage/batch")
    assert response.status_code == 201
    assert response.get_json() == {"received": 3, "stored": 2, "duplicates": 1}
    run = db.session.scalar(sa.select(LineageRun))
    assert run.state.value == "COMPLETE"  # arrived before its START, still ends complete
    assert run.started_at.isoformat() == "2026-11-20T02:00:00.123456+00:00"
    for body in ({"events": []}, [], [1]):
        assert _post(client, token, body, "/api/v1/lineage/batch").status_code == 400


def test_tokens(world, client, db):
    assert _post(client, None, GOOD).status_code == 401
    assert _post(client, "gt_not-a-token", GOOD).status_code == 401
    assert _post(client, _token(world, "auditor"), GOOD).status_code == 403
    unscoped = _post(client, _token(world, "contributor", scoped=False), GOOD)
    assert unscoped.status_code == 403
    assert "--org" in unscoped.get_json()["error"]["message"]
    assert _post(client, _token(world), b"a=b", **{"Content-Type": "text/plain"}).status_code == 415
    assert _stored(db) == [0, 0, 0, 0]


def test_the_marquez_read_validates_its_arguments(world, client, db):
    token = _token(world)
    _post(client, token, GOOD)
    auth = {"Authorization": f"Bearer {token}"}
    ok = client.get("/api/v1/lineage?nodeId=job:airflow:etl.orders&depth=1", headers=auth)
    assert ok.status_code == 200 and len(ok.get_json()["graph"]) == 3
    zero = client.get("/api/v1/lineage?nodeId=job:airflow:etl.orders&depth=0", headers=auth)
    assert [n["id"] for n in zero.get_json()["graph"]] == ["job:airflow:etl.orders"]
    for query, status in [
        ("nodeId=table:a:b", 400),
        ("nodeId=job:airflow", 400),
        ("nodeId=job:airflow:etl.orders&depth=-1", 400),
        ("nodeId=job:airflow:etl.orders&depth=500", 400),
        ("nodeId=job:airflow:nope", 404),
    ]:
        assert client.get(f"/api/v1/lineage?{query}", headers=auth).status_code == status, query
    auditor = {"Authorization": f"Bearer {_token(world, 'auditor')}"}
    assert (
        client.get("/api/v1/lineage?nodeId=job:airflow:etl.orders", headers=auditor).status_code
        == 200
    )
    unscoped = {"Authorization": f"Bearer {_token(world, 'auditor', scoped=False)}"}
    path = "/api/v1/lineage?nodeId=job:airflow:etl.orders"
    assert client.get(path, headers=unscoped).status_code == 403
    assert client.get(path + "&org=acme-freight", headers=unscoped).status_code == 200
    assert client.get(path + "&org=globex-health", headers=unscoped).status_code == 404
