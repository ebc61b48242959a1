"""OpenLineage ingestion end to end: the official `openlineage-python` client's HTTP transport
against the app served on a real local port (werkzeug in a thread), plain and gzip."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import schema_dataset
from openlineage.client.transport.http import HttpConfig, HttpTransport

from governance.enums import Role
from governance.extensions import db
from governance.lineage.models import LineageArtifact, LineageEdge, LineageEvent, LineageRun
from governance.people import operations as people
from tests.live_server import live_server

PRODUCER = "https://github.com/example/pipelines/v1"


@pytest.fixture
def served(make_app) -> Iterator[tuple[str, object]]:
    """The app on 127.0.0.1:<free port>, for clients that speak real HTTP."""
    app = make_app(SERVER_NAME=None)
    with live_server(app) as url:
        yield url, app


def _token(world, role: str = "contributor", org=None) -> str:
    user = world["users"][role]
    _token_row, plain = people.create_token(user, org if org is not None else world["org"])
    db.session.commit()
    return plain


def _client(url: str, token: str, gzip: bool = False) -> OpenLineageClient:
    config = {"url": url, "auth": {"type": "api_key", "apiKey": token}, "retry": {"total": 0}}
    if gzip:
        config["compression"] = "gzip"
    return OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict(config)))


def _events(run_id: str, start: datetime) -> list[RunEvent]:
    job = Job(namespace="airflow-prod", name="fraud.build_features")
    inputs = [
        InputDataset(
            namespace="postgres://wms:5432",
            name="public.parcels",
            facets={
                "schema": schema_dataset.SchemaDatasetFacet(
                    fields=[schema_dataset.SchemaDatasetFacetFields(name="id", type="BIGINT")]
                )
            },
        )
    ]
    outputs = [OutputDataset(namespace="s3://features", name="fraud/parcel_features")]
    return [
        RunEvent(
            eventType=state,
            eventTime=(start + timedelta(minutes=i * 5)).isoformat(),
            run=Run(runId=run_id),
            job=job,
            inputs=inputs,
            outputs=outputs,
            producer=PRODUCER,
        )
        for i, state in enumerate([RunState.START, RunState.COMPLETE])
    ]


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_events_from_the_official_client_become_a_graph(served, world, gzip):
    url, app = served
    client = _client(url, _token(world), gzip=gzip)
    run_id = str(uuid.uuid4())
    start = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for event in _events(run_id, start):
        client.emit(event)
    with app.app_context():
        kinds = db.session.execute(
            sa.select(LineageArtifact.node_type, LineageArtifact.name).order_by(
                LineageArtifact.name
            )
        ).all()
        assert {tuple(k) for k in kinds} == {
            ("dataset", "fraud/parcel_features"),
            ("job", "fraud.build_features"),
            ("dataset", "public.parcels"),
        }
        assert db.session.scalar(sa.select(sa.func.count(LineageEdge.id))) == 2
        run = db.session.scalar(sa.select(LineageRun))
        assert run.run_uuid == run_id and run.state.value == "COMPLETE"
        assert run.started_at == start and run.ended_at == start + timedelta(minutes=5)
        assert db.session.scalar(sa.select(sa.func.count(LineageEvent.id))) == 2
        raws = db.session.scalars(sa.select(LineageEvent.raw)).all()
        assert all('"producer": "https://github.com/example/pipelines/v1"' in r for r in raws)


def test_a_replay_changes_nothing(served, world):
    url, app = served
    client = _client(url, _token(world))
    events = _events(str(uuid.uuid4()), datetime(2026, 11, 20, tzinfo=UTC))
    for event in events + events + list(reversed(events)):
        client.emit(event)

    with app.app_context():
        counts = [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (LineageEvent, LineageArtifact, LineageEdge, LineageRun)
        ]
    assert counts == [2, 3, 2, 1]


def test_the_graph_reads_back_in_marquez_shape(served, world):
    url, app = served
    token = _token(world)
    client = _client(url, token)
    for event in _events(str(uuid.uuid4()), datetime(2026, 11, 20, tzinfo=UTC)):
        client.emit(event)
    import requests

    response = requests.get(
        f"{url}/api/v1/lineage",
        params={"nodeId": "dataset:postgres://wms:5432:public.parcels", "depth": 5},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200
    nodes = {n["id"]: n for n in response.json()["graph"]}
    assert set(nodes) == {
        "dataset:postgres://wms:5432:public.parcels",
        "job:airflow-prod:fraud.build_features",
        "dataset:s3://features:fraud/parcel_features",
    }
    job = nodes["job:airflow-prod:fraud.build_features"]
    assert job["type"] == "JOB"
    assert job["inEdges"] == [
        {
            "origin": "dataset:postgres://wms:5432:public.parcels",
            "destination": "job:airflow-prod:fraud.build_features",
        }
    ]
    assert job["data"]["latestRun"]["state"] == "COMPLETED"
    assert job["data"]["inputs"] == [{"namespace": "postgres://wms:5432", "name": "public.parcels"}]
    source = nodes["dataset:postgres://wms:5432:public.parcels"]
    assert source["type"] == "DATASET" and source["inEdges"] == []
    assert source["data"]["fields"][0]["name"] == "id"


@pytest.mark.parametrize(
    "role,status", [("auditor", 403), ("leader", 201), ("pmo", 201), ("contributor", 201)]
)
def test_who_may_send_events(served, world, role, status):
    url, _app = served
    client = _client(url, _token(world, role))
    event = _events(str(uuid.uuid4()), datetime(2026, 11, 20, tzinfo=UTC))[0]
    if status == 201:
        client.emit(event)
    else:
        with pytest.raises(Exception, match=str(status)):
            client.emit(event)


def test_an_outsider_token_scoped_to_its_own_org_writes_only_there(served, world, make_user):
    url, app = served
    outsider = world["users"]["outsider"]
    _row, plain = people.create_token(outsider, world["other"])
    db.session.commit()
    _client(url, plain).emit(_events(str(uuid.uuid4()), datetime(2026, 11, 20, tzinfo=UTC))[0])
    with app.app_context():
        orgs = set(db.session.scalars(sa.select(LineageArtifact.organization_id)))
    assert orgs == {world["other"].id}
    assert world["users"]["outsider"].memberships[0].role == Role.LEADER
