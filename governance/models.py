"""Every model, importable from one place."""

from __future__ import annotations

from governance.audit import AuditEvent
from governance.decisions.models import Decision
from governance.gates.models import Checkpoint, ExitCriterion, Phase, StageGate
from governance.incidents.models import Incident, IncidentEvent
from governance.lineage.models import (
    LineageArtifact,
    LineageEdge,
    LineageEvent,
    LineageFacets,
    LineageRun,
    LineageRunDataset,
    RollbackPlan,
)
from governance.maturity.models import (
    Kpi,
    KpiMeasurement,
    KpiThreshold,
    MaturityAssessment,
    MaturityScore,
    Objective,
)
from governance.monitoring.models import Monitor, Observation
from governance.people.models import (
    ApiToken,
    IdempotencyKey,
    Membership,
    SignInFailure,
    User,
    UserSession,
)
from governance.portfolio.models import Engagement, Initiative, Organization, Program
from governance.risks.models import Risk
from governance.rollups import DataVersion

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
    "UserSession",
    "IdempotencyKey",
    "SignInFailure",
    "MaturityAssessment",
    "MaturityScore",
    "Objective",
    "Kpi",
    "KpiMeasurement",
    "KpiThreshold",
    "Risk",
    "Checkpoint",
    "DataVersion",
    "StageGate",
]


__all__ += ["Decision", "Incident", "IncidentEvent", "Monitor", "Observation"]
