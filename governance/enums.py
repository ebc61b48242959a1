"""The product's vocabulary as enumerations, stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    LEADER = "leader"
    PMO = "pmo"
    CONTRIBUTOR = "contributor"
    AUDITOR = "auditor"


class LeadershipRole(StrEnum):
    FRACTIONAL_CTO = "fractional_cto"
    FRACTIONAL_HEAD_OF_AI = "fractional_head_of_ai"
    PROJECT_CONSULTANT = "project_consultant"


class EngagementModel(StrEnum):
    ONGOING = "ongoing"
    DEFINED_SCOPE = "defined_scope"


class CostModel(StrEnum):
    RETAINER = "retainer"
    MILESTONE = "milestone"
    PER_PROJECT = "per_project"


class Stage(StrEnum):
    PILOT = "pilot"
    SCALE = "scale"
    PRODUCTION = "production"
    RETIRED = "retired"


class RiskTier(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PhaseKind(StrEnum):
    """The seven phases, declared in the order every initiative goes through them."""

    OBJECTIVES = "objectives"
    ASSESSMENT = "assessment"
    ROADMAP = "roadmap"
    GOVERNANCE = "governance"
    PIPELINES = "pipelines"
    KNOWLEDGE_TRANSFER = "knowledge_transfer"
    EVALUATION = "evaluation"

    @property
    def position(self) -> int:
        return list(PhaseKind).index(self) + 1


class PhaseStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    COMPLETE = "complete"


class CriterionStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    WAIVED = "waived"


def label(value: object) -> str:
    """A value as people read it: 'knowledge_transfer' -> 'Knowledge transfer'."""
    value = str(getattr(value, "value", value))
    special = {
        "fractional_cto": "Fractional CTO",
        "fractional_head_of_ai": "Fractional Head of AI",
        "project_consultant": "Project-based consultant",
        "pmo": "PMO",
    }
    return special.get(value, value.replace("_", " ").capitalize())


PHASE_TITLES = {
    PhaseKind.OBJECTIVES: "Objectives",
    PhaseKind.ASSESSMENT: "Assessment",
    PhaseKind.ROADMAP: "Roadmap",
    PhaseKind.GOVERNANCE: "Governance",
    PhaseKind.PIPELINES: "Pipelines",
    PhaseKind.KNOWLEDGE_TRANSFER: "Knowledge transfer",
    PhaseKind.EVALUATION: "Evaluation",
}


class DecisionStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEPRECATED = "deprecated"
    SUPERSEDED = "superseded"


class DecisionImpact(StrEnum):
    NORMAL = "normal"
    HIGH = "high"


# ---- checkpoints (phase gates and stage gates) ----------------------------------------------


class CheckpointKind(StrEnum):
    PHASE = "phase"  # completes the initiative's current phase
    STAGE_GATE = "stage_gate"  # promotes the initiative to its next stage


class CheckpointStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"


class StageGateStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    PASSED = "passed"
