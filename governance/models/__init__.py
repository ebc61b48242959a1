"""Every model, importable from one place."""

from governance.models.audit import AuditEvent
from governance.models.checkpoints import Checkpoint, StageGate
from governance.models.lineage import (
    LineageArtifact,
    LineageEdge,
    LineageEvent,
    LineageFacets,
    LineageRun,
    LineageRunDataset,
    RollbackPlan,
)
from governance.models.maturity import MaturityAssessment, MaturityScore  # noqa: I001
from governance.models.objectives import Kpi, KpiMeasurement, KpiThreshold, Objective
from governance.models.people import ApiToken, Membership, Organization, User
from governance.models.phases import ExitCriterion, Phase
from governance.models.portfolio import Engagement, Initiative, Program
from governance.models.risks import Risk

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Engagement",
    "ExitCriterion",
    "Initiative",
    "LineageArtifact",
    "LineageEdge",
    "LineageEvent",
    "LineageFacets",
    "LineageRun",
    "LineageRunDataset",
    "Membership",
    "Organization",
    "Phase",
    "Program",
    "RollbackPlan",
    "User",
    "MaturityAssessment",
    "MaturityScore",
    "Objective",
    "Kpi",
    "KpiMeasurement",
    "KpiThreshold",
    "Risk",
    "Checkpoint",
    "StageGate",
]

from governance.models.decisions import Decision  # noqa: E402 — decision log

__all__ += ["Decision"]
