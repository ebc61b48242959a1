"""What the operations rules' tests set up: deployments, monitors and incidents through the
app's own operations, and an initiative's criterion named by its rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from governance.enums import (
    ArtifactKind,
    Comparator,
    CriterionStatus,
    Environment,
    MonitorSignal,
    Severity,
)
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase, StageGate
from governance.incidents import operations as incidents
from governance.incidents.models import Incident
from governance.lineage import operations as lineage
from governance.lineage.models import LineageArtifact
from governance.monitoring import operations as monitoring
from governance.monitoring.models import Monitor
from governance.portfolio.models import Initiative


def deployment(
    world: dict[str, Any],
    name: str = "fraud-api",
    environment: Environment = Environment.PRODUCTION,
    initiative: Initiative | None = None,
) -> LineageArtifact:
    initiative = initiative or world["initiative"]
    data = lineage.ArtifactInput(
        "serving", name, initiative_id=initiative.id, environment=environment
    )
    return lineage.register_artifact(
        world["org"], world["users"]["leader"], ArtifactKind.DEPLOYMENT, data
    )


def monitor(
    world: dict[str, Any],
    on: LineageArtifact,
    signal: MonitorSignal,
    key: str,
    owner: str | None = "contributor",
) -> Monitor:
    return monitoring.create_monitor(
        world["org"],
        world["users"]["contributor"],
        on,
        key=key,
        name=key.replace("-", " ").capitalize(),
        signal=signal,
        metric="auc" if signal == MonitorSignal.MODEL_PERFORMANCE else "psi",
        comparator=Comparator.AT_LEAST
        if signal == MonitorSignal.MODEL_PERFORMANCE
        else Comparator.AT_MOST,
        threshold=0.85 if signal == MonitorSignal.MODEL_PERFORMANCE else 0.2,
        owner_id=world["users"][owner].id if owner else None,
    )


def watched(world: dict[str, Any], on: LineageArtifact, prefix: str = "fraud") -> None:
    """Both monitors the production rule asks for, owned by the contributor."""
    monitor(world, on, MonitorSignal.MODEL_PERFORMANCE, f"{prefix}-auc")
    monitor(world, on, MonitorSignal.DRIFT, f"{prefix}-psi")


def incident(
    world: dict[str, Any],
    on: LineageArtifact | None,
    severity: Severity = Severity.SEV2,
    title: str = "AUC below threshold",
    detected_at: datetime | None = None,
    initiative: Initiative | None = None,
) -> Incident:
    return incidents.open_incident(
        world["org"],
        world["users"]["contributor"],
        title=title,
        severity=severity,
        deployment=on,
        initiative=initiative,
        detected_at=detected_at,
    )


def criterion(initiative: Initiative, rule: str) -> ExitCriterion:
    """The initiative's criterion that names `rule` (in a phase or a stage gate)."""
    found = db.session.scalar(
        sa.select(ExitCriterion)
        .outerjoin(Phase, Phase.id == ExitCriterion.phase_id)
        .outerjoin(StageGate, StageGate.id == ExitCriterion.stage_gate_id)
        .where(
            sa.or_(Phase.initiative_id == initiative.id, StageGate.initiative_id == initiative.id),
            ExitCriterion.rule == rule,
        )
    )
    assert found is not None, rule
    return found


def state(criterion_id: int) -> CriterionStatus:
    """The kept state, as every SQL aggregate reads it."""
    return CriterionStatus(
        db.session.scalar(sa.select(ExitCriterion.state).where(ExitCriterion.id == criterion_id))
    )


def reasons(result: Any) -> list[tuple[str, str]]:
    return [(f.record, f.reason) for f in result.failures]
