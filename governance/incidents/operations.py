"""An incident's life: opened (by an alert or a person), acknowledged, mitigated, resolved;
rollbacks, the post-incident review and, for a serious incident, the report to the authority.

Each step keeps its time and who took it (None: the alerting system) and adds a line to the
timeline. Times may be given (an alert's `startsAt`, the demo's story) but never run backwards:
each step is at or after the one before. Flushes, never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from governance.database import utcnow
from governance.enums import (
    ArtifactKind,
    DecisionStatus,
    IncidentEventKind,
    IncidentSource,
    IncidentStatus,
    Severity,
)
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.incidents.models import Incident, IncidentEvent
from governance.lineage.models import LineageArtifact, RollbackPlan
from governance.monitoring.models import Monitor
from governance.monitoring.queries import breach_started
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative, Organization

REFUSAL = "Your role in this organization does not allow changing its incidents."

INCIDENT_FIELDS = ["title", "summary", "severity", "status", "deployment_id", "initiative_id"]


class StepAlreadyTaken(DomainError):
    """The step was already taken (by someone else, or an alert): the API answers 409."""

    status = 409
    code = "conflict"


def _org(incident: Incident) -> Organization:
    org = db.session.get(Organization, incident.organization_id)
    assert org is not None
    return org


def _allowed(org: Organization, by: User | None) -> None:
    if by is not None:
        require(by, Action.CONTRIBUTE, org, REFUSAL)


def add_event(
    incident: Incident,
    kind: IncidentEventKind,
    by: User | None,
    at: datetime,
    detail: str = "",
    *,
    decision_id: int | None = None,
    minutes: int | None = None,
    dedupe_key: str | None = None,
) -> IncidentEvent:
    event = IncidentEvent(
        organization_id=incident.organization_id,
        incident_id=incident.id,
        kind=kind,
        at=at,
        actor_id=by.id if by else None,
        detail=detail,
        decision_id=decision_id,
        minutes=minutes,
        dedupe_key=dedupe_key,
    )
    db.session.add(event)
    return event


def _not_before(at: datetime, earlier: datetime | None, what: str, field: str) -> None:
    if earlier is not None and at < earlier:
        raise DomainError(f"This time is before the incident was {what}.", field=field)
    if at > utcnow():
        raise DomainError("This time is in the future.", field=field)


def open_incident(
    org: Organization,
    by: User | None,
    *,
    title: str,
    severity: Severity,
    source: IncidentSource = IncidentSource.PERSON,
    deployment: LineageArtifact | None = None,
    monitor: Monitor | None = None,
    initiative: Initiative | None = None,
    summary: str = "",
    detected_at: datetime | None = None,
    impact_started_at: datetime | None = None,
    fingerprint: str | None = None,
    dedupe_key: str | None = None,
) -> Incident:
    """Open an incident. Impact started at the given time, else when the monitor's current
    breach began, else when it was detected. The deployment defaults to the monitor's and the
    initiative to the deployment's."""
    _allowed(org, by)
    title = (title or "").strip()
    if not title:
        raise DomainError("Say what is wrong in the title.", field="title")
    if monitor is not None:
        if monitor.organization_id != org.id:
            raise DomainError("Choose a monitor of this organization.", field="monitor_id")
        deployment = deployment or monitor.deployment
    if deployment is not None and (
        deployment.organization_id != org.id or deployment.kind != ArtifactKind.DEPLOYMENT
    ):
        raise DomainError("Choose a deployment of this organization.", field="deployment_id")
    if initiative is None and deployment is not None and deployment.initiative_id:
        initiative = db.session.get(Initiative, deployment.initiative_id)
    if initiative is not None and initiative.organization_id != org.id:
        raise DomainError("Choose an initiative of this organization.", field="initiative_id")
    detected_at = detected_at or utcnow()
    _not_before(detected_at, None, "", "detected_at")
    if impact_started_at is None and monitor is not None:
        impact_started_at = breach_started(monitor.id, detected_at)
    impact_started_at = impact_started_at or detected_at
    if impact_started_at > detected_at:
        raise DomainError(
            "The impact cannot start after the incident was detected.", field="impact_started_at"
        )
    incident = Incident(
        organization_id=org.id,
        title=title[:300],
        summary=(summary or "").strip(),
        severity=severity,
        status=IncidentStatus.OPEN,
        source=source,
        deployment_id=deployment.id if deployment else None,
        initiative_id=initiative.id if initiative else None,
        monitor_id=monitor.id if monitor else None,
        fingerprint=fingerprint,
        impact_started_at=impact_started_at,
        detected_at=detected_at,
        detected_by_id=by.id if by and source == IncidentSource.PERSON else None,
    )
    db.session.add(incident)
    db.session.flush()
    how = "by Alertmanager" if source == IncidentSource.ALERTMANAGER else "by hand"
    add_event(
        incident, IncidentEventKind.OPENED, by, detected_at, f"Opened {how}.", dedupe_key=dedupe_key
    )
    db.session.flush()
    return incident


def acknowledge(incident: Incident, by: User | None, at: datetime | None = None) -> Incident:
    _allowed(_org(incident), by)
    if incident.status != IncidentStatus.OPEN:
        raise StepAlreadyTaken("This incident has already been acknowledged.")
    at = at or utcnow()
    _not_before(at, incident.detected_at, "detected", "at")
    incident.acknowledged_at, incident.acknowledged_by_id = at, by.id if by else None
    incident.status = IncidentStatus.ACKNOWLEDGED
    add_event(incident, IncidentEventKind.ACKNOWLEDGED, by, at)
    db.session.flush()
    return incident


def mitigate(
    incident: Incident, by: User | None, at: datetime | None = None, note: str = ""
) -> Incident:
    """Impact stopped (a rollback, a feature flag); the cause may still be there. A person who
    mitigates an unacknowledged incident acknowledges it at the same time."""
    _allowed(_org(incident), by)
    if incident.status in (IncidentStatus.MITIGATED, IncidentStatus.RESOLVED):
        raise StepAlreadyTaken("This incident is already mitigated.")
    at = at or utcnow()
    _not_before(at, incident.acknowledged_at or incident.detected_at, "acknowledged", "at")
    if incident.acknowledged_at is None and by is not None:
        acknowledge(incident, by, at)
    incident.mitigated_at, incident.mitigated_by_id = at, by.id if by else None
    incident.status = IncidentStatus.MITIGATED
    add_event(incident, IncidentEventKind.MITIGATED, by, at, note.strip())
    db.session.flush()
    return incident


def resolve(
    incident: Incident,
    by: User | None,
    at: datetime | None = None,
    note: str = "",
    *,
    dedupe_key: str | None = None,
) -> Incident:
    """Service restored and the cause dealt with. A person resolving fills the steps not yet
    taken with the same time; the alerting system (by=None) resolves alone, so an alert that
    cleared by itself has no acknowledgement (it counts in MTTR, not in MTTA)."""
    _allowed(_org(incident), by)
    if incident.status == IncidentStatus.RESOLVED:
        raise StepAlreadyTaken("This incident is already resolved.")
    at = at or utcnow()
    _not_before(
        at,
        incident.mitigated_at or incident.acknowledged_at or incident.detected_at,
        "mitigated" if incident.mitigated_at else "acknowledged or detected",
        "at",
    )
    if by is not None and incident.mitigated_at is None:
        mitigate(incident, by, at)
    incident.resolved_at, incident.resolved_by_id = at, by.id if by else None
    incident.status = IncidentStatus.RESOLVED
    add_event(incident, IncidentEventKind.RESOLVED, by, at, note.strip(), dedupe_key=dedupe_key)
    db.session.flush()
    return incident


def change_severity(
    incident: Incident, by: User, severity: Severity, expected_version: int | None = None
) -> Incident:
    _allowed(_org(incident), by)
    check_version(incident, expected_version, INCIDENT_FIELDS)
    if severity == incident.severity:
        return incident
    before = incident.severity
    incident.severity = severity
    add_event(
        incident,
        IncidentEventKind.SEVERITY_CHANGED,
        by,
        utcnow(),
        f"{before.label} → {severity.label}",
    )
    db.session.flush()
    return incident


def execute_rollback(
    incident: Incident, by: User, minutes: int, at: datetime | None = None, note: str = ""
) -> IncidentEvent:
    """Roll the deployment back by its rollback plan: the timeline says so, and the plan counts
    as exercised that day, with the minutes it took to restore service."""
    _allowed(_org(incident), by)
    if incident.deployment_id is None:
        raise DomainError("This incident names no deployment to roll back.")
    plan = db.session.scalar(
        db.select(RollbackPlan).where(RollbackPlan.deployment_id == incident.deployment_id)
    )
    if plan is None:
        raise DomainError("This deployment has no rollback plan to execute.")
    if not isinstance(minutes, int) or not 0 <= minutes <= 60 * 24 * 7:
        raise DomainError("Give the minutes the rollback took (0 to 10,080).", field="minutes")
    at = at or utcnow()
    _not_before(at, incident.detected_at, "detected", "at")
    plan.last_tested_on = at.date()
    plan.restore_minutes = minutes
    target = plan.target_version.name if plan.target_version else "the plan's version"
    event = add_event(
        incident,
        IncidentEventKind.ROLLBACK,
        by,
        at,
        note.strip() or f"Rolled back to {target}.",
        minutes=minutes,
    )
    db.session.flush()
    return event


def add_note(incident: Incident, by: User, text: str, at: datetime | None = None) -> IncidentEvent:
    _allowed(_org(incident), by)
    if not (text or "").strip():
        raise DomainError("Write the note.", field="note")
    event = add_event(incident, IncidentEventKind.NOTE, by, at or utcnow(), text.strip())
    db.session.flush()
    return event


def record_review(
    incident: Incident,
    by: User,
    *,
    title: str,
    context: str,
    decision: str,
    rationale: str = "",
    at: datetime | None = None,
    **madr_fields: Any,
) -> IncidentEvent:
    """The post-incident review's decision goes into the decision log (proposed by whoever
    records it) and onto the timeline."""
    from governance.decisions.operations import record_decision

    org = _org(incident)
    require(by, Action.PROPOSE_DECISION, org, REFUSAL)
    if incident.status != IncidentStatus.RESOLVED:
        raise DomainError("Review the incident once it is resolved.")
    entry = record_decision(
        org,
        by,
        title=title,
        context=context,
        decision=decision,
        rationale=rationale,
        status=DecisionStatus.ACCEPTED,
        initiative=incident.initiative,
        kind="incident_review",
        details={"incident_id": incident.id},
        created_at=at,
        by_workflow=True,
        **madr_fields,
    )
    event = add_event(
        incident,
        IncidentEventKind.REVIEW_DECISION,
        by,
        at or utcnow(),
        entry.title,
        decision_id=entry.id,
    )
    db.session.flush()
    return event
