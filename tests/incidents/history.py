"""A small operations history for the page, API and portfolio tests: two deployments (one
monitored), three deployment events, and incidents with known times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from governance.database import as_of, utcnow
from governance.enums import (
    ArtifactKind,
    Comparator,
    EdgeKind,
    Environment,
    MonitorSignal,
    Severity,
)
from governance.extensions import db
from governance.incidents import operations as incident_ops
from governance.lineage import operations as lineage_ops
from governance.monitoring import operations as monitoring_ops


def _artifact(org: Any, by: Any, kind: ArtifactKind, name: str, at: Any, **extra: Any) -> Any:
    with as_of(at):
        return lineage_ops.register_artifact(
            org, by, kind, lineage_ops.ArtifactInput("ops", name, **extra)
        )


def build_history(world: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Incidents detected 10, 20 and 30 days ago on the monitored deployment, and one 200 days
    ago; one still open (SEV1). Commits."""
    org, by = world["org"], world["users"]["contributor"]
    now = utcnow().replace(microsecond=0)
    t0 = now - timedelta(days=60)
    prod = {"environment": Environment.PRODUCTION, "initiative_id": world["initiative"].id}
    api = _artifact(org, by, ArtifactKind.DEPLOYMENT, f"{prefix}scoring-api", t0, **prod)
    batch = _artifact(org, by, ArtifactKind.DEPLOYMENT, f"{prefix}nightly-batch", t0)
    versions = [
        _artifact(org, by, ArtifactKind.MODEL_VERSION, f"{prefix}m@{n}", t0 + timedelta(days=d))
        for n, d in ((1, 0), (2, 15), (3, 40))
    ]
    for version, deployment, days in ((versions[0], api, 1), (versions[1], api, 16)):
        with as_of(t0 + timedelta(days=days)):
            lineage_ops.add_edge(version, deployment, EdgeKind.DEPLOYED_AS, by)
    with as_of(t0 + timedelta(days=42)):
        lineage_ops.add_edge(versions[2], batch, EdgeKind.DEPLOYED_AS, by)
    monitor = monitoring_ops.create_monitor(
        org,
        by,
        api,
        key=f"{prefix}scoring-auc",
        name=f"{prefix}Scoring AUC",
        signal=MonitorSignal.MODEL_PERFORMANCE,
        metric="auc",
        comparator=Comparator.AT_LEAST,
        threshold=0.8,
        owner_id=by.id,
    )
    incidents = []
    for days, impact, ack, fix, severity in (
        (10, 30, 10, 120, Severity.SEV2),
        (20, 10, 20, 60, Severity.SEV3),
        (30, 20, None, 300, Severity.SEV3),
        (200, 5, 5, 50, Severity.SEV4),
    ):
        detected = now - timedelta(days=days)
        incident = incident_ops.open_incident(
            org,
            by,
            title=f"Scores off {days} days ago",
            severity=severity,
            deployment=api,
            detected_at=detected,
            impact_started_at=detected - timedelta(minutes=impact),
        )
        if ack is not None:
            incident_ops.acknowledge(incident, by, detected + timedelta(minutes=ack))
        incident_ops.resolve(incident, by if ack else None, detected + timedelta(minutes=fix))
        incidents.append(incident)
    still_open = incident_ops.open_incident(
        org, by, title="Scoring API down", severity=Severity.SEV1, deployment=api
    )
    db.session.commit()
    return {
        "api": api,
        "batch": batch,
        "monitor": monitor,
        "incidents": incidents,
        "open": still_open,
        # Over the last 90 days: the three first incidents (and the open one, detected now).
        "mttd": (30 + 10 + 20 + 0) / 4,
        "mtta": (10 + 20) / 2,
        "mttr": (120 + 60 + 300) / 3,
    }
