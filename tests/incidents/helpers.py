"""A deployment (with a rollback plan) and incidents on it, for the incident page tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from governance.database import utcnow
from governance.enums import ArtifactKind, Environment, Severity
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents.models import Incident
from governance.lineage import operations as lineage_ops
from governance.lineage.models import LineageArtifact

ORG = "/orgs/acme-freight"


def deployment(world: dict[str, Any], name: str = "fraud-api", plan: bool = True) -> Any:
    """A production deployment of the world's initiative, rolling back to fraud@1 if `plan`."""
    org, leader = world["org"], world["users"]["leader"]
    made = lineage_ops.ArtifactInput
    version = lineage_ops.register_artifact(
        org, leader, ArtifactKind.MODEL_VERSION, made("acme", f"{name}-model@1", "1")
    )
    deployed = lineage_ops.register_artifact(
        org,
        leader,
        ArtifactKind.DEPLOYMENT,
        made(
            "acme",
            name,
            environment=Environment.PRODUCTION,
            initiative_id=world["initiative"].id,
        ),
    )
    if plan:
        lineage_ops.set_rollback_plan(
            deployed,
            leader,
            None,
            target_version_id=version.id,
            procedure="Point the alias back at fraud@1.",
            owner="Platform team",
            last_tested_on=None,
            restore_minutes=None,
        )
    db.session.commit()
    return deployed


def incident(
    world: dict[str, Any],
    deployed: LineageArtifact | None,
    title: str = "AUC below 0.85",
    severity: Severity = Severity.SEV3,
    ago: timedelta = timedelta(hours=3),
    **kwargs: Any,
) -> Incident:
    opened = ops.open_incident(
        world["org"],
        world["users"]["contributor"],
        title=title,
        severity=severity,
        deployment=deployed,
        detected_at=utcnow() - ago,
        impact_started_at=utcnow() - ago - timedelta(minutes=30),
        **kwargs,
    )
    db.session.commit()
    return opened


def at(hours_ago: float) -> datetime:
    return utcnow() - timedelta(hours=hours_ago)


def queries(app: Any, client: Any, path: str) -> int:
    """How many SQL statements one GET of `path` runs (after a warm-up request)."""
    import sqlalchemy as sa

    assert client.get(path).status_code == 200
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    return len(seen)
