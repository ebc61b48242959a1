"""A scene for permission tests: one of every record a permission rule guards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from governance.decisions.operations import record_decision
from governance.enums import (
    ArtifactKind,
    Comparator,
    DecisionImpact,
    Direction,
    EdgeKind,
    Environment,
    MonitorSignal,
    RiskCategory,
    Severity,
    ValueDriver,
)
from governance.extensions import db
from governance.gates import checkpoints as checkpoint_ops
from governance.gates.assessment import is_evaluated
from governance.gates.queries import stage_gates_of
from governance.incidents import operations as incident_ops
from governance.lineage import operations as lineage_ops
from governance.maturity import operations as maturity_ops
from governance.monitoring import operations as monitoring_ops
from governance.risks import operations as risk_ops
from tests.gates.helpers import meet_all, own_every_phase


def build_scene(world: dict[str, Any]) -> dict[str, int]:
    """One of every record a rule guards, in the first organization: a checkpoint the
    contributor requested, a high-impact decision the contributor proposed, lineage, a risk,
    an objective with a KPI. Commits; returns the ids the paths name."""
    org, initiative, users = world["org"], world["initiative"], world["users"]
    contributor = users["contributor"]
    own_every_phase(initiative, users["leader"])
    meet_all(initiative.phases[0].criteria, contributor)
    checkpoint = checkpoint_ops.request_phase_checkpoint(
        initiative.phases[0], contributor, "Ready for review."
    )
    decision = record_decision(
        org,
        contributor,
        title="Move scoring to the vendor",
        context="Cost.",
        decision="Adopt it.",
        impact=DecisionImpact.HIGH,
    )
    artifact = lineage_ops.ArtifactInput
    dataset = lineage_ops.register_artifact(
        org, contributor, ArtifactKind.DATASET, artifact("acme", "parcels")
    )
    version = lineage_ops.register_artifact(
        org, contributor, ArtifactKind.MODEL_VERSION, artifact("acme", "fraud@1", "1")
    )
    deployment = lineage_ops.register_artifact(
        org,
        contributor,
        ArtifactKind.DEPLOYMENT,
        artifact("acme", "fraud-api", environment=Environment.PRODUCTION),
    )
    edge = lineage_ops.add_edge(dataset, version, EdgeKind.TRAINED_ON, contributor)
    risk = risk_ops.create_risk(
        org, contributor, title="Drift", category=RiskCategory.DRIFT, likelihood=2, impact=3
    )
    objective = maturity_ops.create_objective(
        initiative, contributor, "Cut losses", ValueDriver.COST
    )
    kpi = maturity_ops.create_kpi(
        objective,
        contributor,
        "Loss rate",
        unit="%",
        direction=Direction.DECREASE,
        baseline=Decimal(10),
        target=Decimal(5),
    )
    deployment.initiative_id = initiative.id
    monitor = monitoring_ops.create_monitor(
        org,
        contributor,
        deployment,
        key="fraud-api-auc",
        name="Fraud API AUC",
        signal=MonitorSignal.MODEL_PERFORMANCE,
        metric="auc",
        comparator=Comparator.AT_LEAST,
        threshold=0.85,
        owner_id=contributor.id,
    )
    incident = incident_ops.open_incident(
        org,
        contributor,
        title="Fraud API AUC below 0.85",
        severity=Severity.SEV3,
        monitor=monitor,
    )
    criterion = next(c for c in initiative.phases[1].criteria if not is_evaluated(c))
    db.session.commit()
    return {
        "initiative": initiative.id,
        "program": initiative.program_id,
        "phase": initiative.phases[1].id,
        "gate": stage_gates_of(initiative)[0].id,
        "criterion": criterion.id,
        "checkpoint": checkpoint.id,
        "decision": decision.seq,
        "dataset": dataset.id,
        "deployment": deployment.id,
        "edge": edge.id,
        "risk": risk.id,
        "objective": objective.id,
        "kpi": kpi.id,
        "monitor": monitor.id,
        "incident": incident.id,
        "auditor": users["auditor"].id,
    }
