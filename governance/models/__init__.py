"""Every model, importable from one place."""

from governance.models.audit import AuditEvent
from governance.models.lineage import (
    LineageArtifact,
    LineageEdge,
    LineageEvent,
    LineageFacets,
    LineageRun,
    LineageRunDataset,
    RollbackPlan,
)
from governance.models.people import ApiToken, Membership, Organization, User
from governance.models.phases import ExitCriterion, Phase
from governance.models.portfolio import Engagement, Initiative, Program

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
]

from governance.models.decisions import Decision  # noqa: E402 — decision log

__all__ += ["Decision"]
