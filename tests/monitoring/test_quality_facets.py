"""OpenLineage data-quality facets become observations of their dataset and are judged by its
data-quality monitors: sent by the official `openlineage-python` client over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset as dqa,
)
from openlineage.client.facet_v2 import (
    data_quality_metrics_dataset as dqm,
)
from openlineage.client.facet_v2 import (
    data_quality_metrics_input_dataset as dqm_input,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport

from governance.enums import ObservationSource
from governance.extensions import db
from governance.lineage.models import LineageEvent
from governance.monitoring.health import MonitorState, monitor_readings
from governance.monitoring.models import Observation
from governance.monitoring.quality import quality_metrics
from governance.people import operations as people
from tests.live_server import live_server

PRODUCER = "https://github.com/example/great-expectations-checks/v1"
AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def served(make_app) -> Iterator[tuple[str, object]]:
    app = make_app(SERVER_NAME=None)
    with live_server(app) as url:
        yield url, app


def _client(url: str, world) -> OpenLineageClient:
    _row, token = people.create_token(world["users"]["contributor"], world["org"])
    db.session.commit()
    config = {
        "url": url,
        "auth": {"type": "api_key", "apiKey": token},
        "retry": {"total": 0},
        "timeout": 60,  # a loaded machine: a slow answer is not a lost event
    }
    return OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict(config)))


def _event(success: bool) -> RunEvent:
    checked = InputDataset(
        namespace="postgres://wms:5432",
        name="public.parcels",
        inputFacets={
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(
                assertions=[
                    dqa.Assertion(assertion="not_null", success=success, column="customer_id"),
                    dqa.Assertion(assertion="row_count_positive", success=True),
                ]
            ),
            "dataQualityMetrics": dqm_input.DataQualityMetricsInputDatasetFacet(
                rowCount=1000,
                columnMetrics={"customer_id": dqm_input.ColumnMetrics(nullCount=3)},
            ),
        },
    )
    written = OutputDataset(
        namespace="s3://features",
        name="fraud/parcel_features",
        facets={
            "dataQualityMetrics": dqm.DataQualityMetricsDatasetFacet(
                rowCount=997,
                columnMetrics={"amount": dqm.ColumnMetrics(min=0.5, quantiles={"0.5": 12.0})},
            )
        },
    )
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=AT.isoformat(),
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace="great_expectations", name="parcels_suite"),
        inputs=[checked],
        outputs=[written],
        producer=PRODUCER,
    )


def test_a_failing_assertion_breaches_its_monitor(served, world, ops_scene):
    url, app = served
    monitor_id, dataset_id = ops_scene["nulls"].id, ops_scene["dataset"].id
    org_id = ops_scene["org"].id
    client = _client(url, world)
    event = _event(success=False)
    client.emit(event)
    client.emit(event)  # a replay: the same event, deduplicated, adds nothing
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Observation).where(Observation.artifact_id == dataset_id)
        ).all()
        by_metric = {o.metric: o for o in rows}
        assert len(rows) == len(by_metric) == 4
        failed = by_metric["assertion.not_null.customer_id"]
        assert failed.value == 0.0 and failed.breached is True
        assert failed.monitor_id == monitor_id and failed.source == ObservationSource.OPENLINEAGE
        assert failed.observed_at == AT
        event_id = db.session.scalar(sa.select(LineageEvent.id))
        assert failed.lineage_event_id == event_id
        assert by_metric["assertion.row_count_positive"].value == 1.0
        assert by_metric["rowCount"].value == 1000
        assert by_metric["columnMetrics.customer_id.nullCount"].value == 3
        reading = monitor_readings(org_id, [monitor_id])[monitor_id]
        assert reading.state == MonitorState.BREACHING
        assert reading.value == 0.0
        output = db.session.scalars(
            sa.select(Observation.metric).where(Observation.artifact_id != dataset_id)
        ).all()
        assert sorted(output) == [
            "columnMetrics.amount.min",
            "columnMetrics.amount.quantiles.0.5",
            "rowCount",
        ]


def test_a_passing_assertion_keeps_the_monitor_healthy(served, world, ops_scene):
    url, app = served
    monitor_id = ops_scene["nulls"].id
    _client(url, world).emit(_event(success=True))
    with app.app_context():
        judged = db.session.scalars(
            sa.select(Observation.breached).where(Observation.monitor_id == monitor_id)
        ).all()
        assert judged == [False]


def test_the_metric_names_derived_from_facets():
    facets = {
        "dataQualityMetrics": {
            "rowCount": 10,
            "bytes": 2048,
            "lastUpdated": "2026-12-01",
            "fileCount": 2**1100,
            "columnMetrics": {"id": {"nullCount": 0, "distinctCount": 10, "max": True}},
        },
        "dataQualityAssertions": {
            "assertions": [
                {"assertion": "unique", "success": True, "column": "id"},
                {"assertion": "unique", "success": False, "column": "id"},
                {"assertion": "fresh", "success": "yes"},
                "junk",
            ]
        },
        "schema": {"fields": []},
    }
    assert quality_metrics(facets, {"dataQualityMetrics": "junk"}) == {
        "rowCount": 10.0,
        "bytes": 2048.0,
        "columnMetrics.id.nullCount": 0.0,
        "columnMetrics.id.distinctCount": 10.0,
        "assertion.unique.id": 0.0,  # one failure of two is a failure
    }
