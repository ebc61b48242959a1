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


# Words written in capitals wherever they appear in a label ("kpi_threshold" -> "KPI threshold").
ACRONYMS = {
    word: word.upper()
    for word in ("ai", "api", "cto", "csv", "eu", "gdpr", "id", "kpi", "llm", "ml", "pmo")
    + ("roi", "sha", "sla", "url")
} | {"ids": "IDs", "kpis": "KPIs", "urls": "URLs"}


def label(value: object) -> str:
    """A value as people read it: 'knowledge_transfer' -> 'Knowledge transfer',
    'kpi_threshold' -> 'KPI threshold' (ACRONYMS), 'eu_ai_act' -> 'EU AI act'."""
    value = str(getattr(value, "value", value))
    special = {
        "fractional_cto": "Fractional CTO",
        "fractional_head_of_ai": "Fractional Head of AI",
        "project_consultant": "Project-based consultant",
    }
    if value in special:
        return special[value]
    words = value.replace("_", " ").capitalize().split(" ")
    return " ".join(ACRONYMS.get(word.lower(), word) for word in words)


PHASE_TITLES = {
    PhaseKind.OBJECTIVES: "Objectives",
    PhaseKind.ASSESSMENT: "Assessment",
    PhaseKind.ROADMAP: "Roadmap",
    PhaseKind.GOVERNANCE: "Governance",
    PhaseKind.PIPELINES: "Pipelines",
    PhaseKind.KNOWLEDGE_TRANSFER: "Knowledge transfer",
    PhaseKind.EVALUATION: "Evaluation",
}


# ---- lineage -------------------------------------------------------------------------------


class ArtifactKind(StrEnum):
    """Lineage artifacts, declared in the order data flows from source to business outcome."""

    DATA_SOURCE = "data_source"
    JOB = "job"
    DATASET = "dataset"
    FEATURE_SET = "feature_set"
    MODEL = "model"
    MODEL_VERSION = "model_version"
    DEPLOYMENT = "deployment"
    BUSINESS_OUTCOME = "business_outcome"


class EdgeKind(StrEnum):
    """A directed edge always points downstream: from what is used to what uses it."""

    DERIVED_FROM = "derived_from"  # the target is derived from the source
    TRAINED_ON = "trained_on"  # the target (model, model version) was trained on the source
    DEPLOYED_AS = "deployed_as"  # the source (model version) is deployed as the target
    FEEDS = "feeds"  # the source feeds the target (datasets and jobs of OpenLineage runs)
    MEASURED_BY = "measured_by"  # the target (business outcome) is measured by the source


class DataClassification(StrEnum):
    UNCLASSIFIED = "unclassified"
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"


class ArtifactOrigin(StrEnum):
    REGISTERED = "registered"  # typed in by a person
    OPENLINEAGE = "openlineage"  # created from an OpenLineage event


class RunState(StrEnum):
    """OpenLineage's run transitions (eventType), as received."""

    START = "START"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"
    FAIL = "FAIL"
    OTHER = "OTHER"


# ---- maturity, objectives and risks (dashboards area) ----------------------------------------


class ValueDriver(StrEnum):
    """What a business objective moves: the success metric is tied to one of these."""

    REVENUE = "revenue"
    COST = "cost"
    RISK = "risk"


class Direction(StrEnum):
    INCREASE = "increase"  # higher is better
    DECREASE = "decrease"  # lower is better


class Comparator(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    ABOVE = "above"
    BELOW = "below"


COMPARATOR_SIGNS = {
    Comparator.AT_LEAST: "≥",
    Comparator.AT_MOST: "≤",
    Comparator.ABOVE: ">",
    Comparator.BELOW: "<",
}


class RiskCategory(StrEnum):
    MODEL_BIAS = "model_bias"
    DATA_QUALITY = "data_quality"
    HALLUCINATION = "hallucination"
    COMPLIANCE = "compliance"
    SECURITY = "security"
    DRIFT = "drift"
    VENDOR = "vendor"


class RiskStatus(StrEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    ACCEPTED = "accepted"
    CLOSED = "closed"


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


class MonitorSignal(StrEnum):
    """What a monitor on a deployment watches."""

    MODEL_PERFORMANCE = "model_performance"
    DRIFT = "drift"
    DATA_QUALITY = "data_quality"
    PIPELINE_LATENCY = "pipeline_latency"
    AVAILABILITY = "availability"
    SECURITY = "security"


class Severity(StrEnum):
    """Incident severity, SEV1 the worst; a monitor names the severity of what it opens."""

    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"

    @property
    def label(self) -> str:
        return self.value.upper()


# The severities that block a promotion and count as major in the figures.
MAJOR_SEVERITIES = frozenset({Severity.SEV1, Severity.SEV2})


class ObservationSource(StrEnum):
    API = "api"
    OPENLINEAGE = "openlineage"
    DEMO = "demo"


class IncidentStatus(StrEnum):
    """Where an incident stands; each step keeps its time and who took it."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


class IncidentSource(StrEnum):
    ALERTMANAGER = "alertmanager"
    PERSON = "person"


class IncidentEventKind(StrEnum):
    """A line of an incident's timeline."""

    OPENED = "opened"
    ALERT_FIRING = "alert_firing"
    ALERT_RESOLVED = "alert_resolved"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    SEVERITY_CHANGED = "severity_changed"
    ROLLBACK = "rollback"
    NOTE = "note"
    REVIEW_DECISION = "review_decision"
    MARKED_SERIOUS = "marked_serious"
    REPORTED = "reported"


class SeriousIncidentKind(StrEnum):
    """EU AI Act Article 73: the kind of serious incident sets the reporting deadline."""

    STANDARD = "standard"  # 15 days after awareness (Art. 73(2))
    DEATH = "death"  # 10 days where a person died (Art. 73(4))
    WIDESPREAD_OR_CRITICAL = "widespread_or_critical"  # 2 days (Art. 73(3))


SERIOUS_REPORT_DAYS = {
    SeriousIncidentKind.STANDARD: 15,
    SeriousIncidentKind.DEATH: 10,
    SeriousIncidentKind.WIDESPREAD_OR_CRITICAL: 2,
}
