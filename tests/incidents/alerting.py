"""Alertmanager notifications for the tests, shaped as Alertmanager's webhook notifier sends
them (notify/webhook/webhook.go: `Message{*template.Data, Version, GroupKey, TruncatedAlerts}`,
the fields of docs/configuration.md's `<webhook_config>`), filled with the alerts of
Alertmanager's own example (examples/ha/send_alerts.sh: DiskRunningFull on sda1, sda2 of
example1), a `monitor` label added to the first. Times as Go writes them: nanoseconds and the
sender's offset; a firing alert's `endsAt` is Go's zero time."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from governance.enums import ArtifactKind, Comparator, Environment, MonitorSignal, Severity
from governance.extensions import db
from governance.incidents.models import Incident, IncidentEvent
from governance.lineage import operations as lineage_ops
from governance.monitoring import operations as monitoring_ops

ZERO = "0001-01-01T00:00:00Z"
STARTS = "2026-11-20T09:52:26.739266876+02:00"  # 07:52:26.739266 UTC
ENDS = "2026-11-20T11:34:26.739266876+02:00"  # 09:34:26.739266 UTC
FIRING_ARRIVES = datetime(2026, 11, 20, 8, 4, 26, tzinfo=UTC)
RESOLVED_ARRIVES = datetime(2026, 11, 20, 9, 35, 0, tzinfo=UTC)

SDA1 = {
    "status": "firing",
    "labels": {
        "alertname": "DiskRunningFull",
        "dev": "sda1",
        "instance": "example1",
        "monitor": "fraud-api-disk",
    },
    "annotations": {
        "info": "The disk sda1 is running full",
        "summary": "please check the instance example1",
    },
    "startsAt": STARTS,
    "endsAt": ZERO,
    "generatorURL": "http://prometheus:9090/graph?g0.expr=disk_free+%3C+0.1&g0.tab=1",
    "fingerprint": "3b7d2c91a0e4f5d6",
}
SDA2 = {
    **SDA1,
    "labels": {"alertname": "DiskRunningFull", "dev": "sda2", "instance": "example1"},
    "annotations": {
        "info": "The disk sda2 is running full",
        "summary": "please check the instance example1",
        "runbook": "the following link http://test-url should be clickable",
    },
    "fingerprint": "9e0f1a2b3c4d5e6f",
}
NOTIFICATION = {
    "version": "4",
    "groupKey": '{}:{alertname="DiskRunningFull"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "governance-tracker",
    "groupLabels": {"alertname": "DiskRunningFull"},
    "commonLabels": {"alertname": "DiskRunningFull", "instance": "example1"},
    "commonAnnotations": {"summary": "please check the instance example1"},
    "externalURL": "http://alertmanager:9093",
    "alerts": [SDA1],
}


def notification(*alerts: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    body = copy.deepcopy(NOTIFICATION)
    body["alerts"] = [copy.deepcopy(a) for a in alerts] or body["alerts"]
    body["status"] = status or (
        "firing" if any(a["status"] == "firing" for a in body["alerts"]) else "resolved"
    )
    return body


def resolved(alert: dict[str, Any], ends: str = ENDS) -> dict[str, Any]:
    return {**copy.deepcopy(alert), "status": "resolved", "endsAt": ends}


def operations(world: dict[str, Any], severity: Severity = Severity.SEV3) -> dict[str, Any]:
    """A production deployment "fraud-api" on the world's initiative, watched by monitor
    "fraud-api-disk". Commits."""
    org, contributor = world["org"], world["users"]["contributor"]
    deployment = lineage_ops.register_artifact(
        org,
        contributor,
        ArtifactKind.DEPLOYMENT,
        lineage_ops.ArtifactInput(
            "prod",
            "fraud-api",
            environment=Environment.PRODUCTION,
            initiative_id=world["initiative"].id,
        ),
    )
    monitor = monitoring_ops.create_monitor(
        org,
        contributor,
        deployment,
        key="fraud-api-disk",
        name="Fraud API disk",
        signal=MonitorSignal.AVAILABILITY,
        metric="disk_free",
        comparator=Comparator.AT_LEAST,
        threshold=0.1,
        severity=severity,
        owner_id=contributor.id,
    )
    db.session.commit()
    return {"deployment": deployment, "monitor": monitor}


def post(client, headers, body, monkeypatch=None, at: datetime | None = None, **extra):
    """POST a notification; `at` is when it arrives (the tracker's clock for this request)."""
    if monkeypatch is not None and at is not None:
        monkeypatch.setattr("governance.incidents.api.utcnow", lambda: at)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/api/v1/alerts/alertmanager",
        data=data,
        headers={"Content-Type": "application/json", **headers, **extra},
    )


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) or 0,
        db.session.scalar(sa.select(sa.func.count()).select_from(IncidentEvent)) or 0,
    )


def minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


class QueryCount:
    """The SQL statements the app runs inside the block."""

    def __enter__(self) -> QueryCount:
        self.count = 0
        self.engine = db.engine
        sa.event.listen(self.engine, "before_cursor_execute", self._one)
        return self

    def _one(self, *args: Any) -> None:
        self.count += 1

    def __exit__(self, *exc: Any) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._one)
