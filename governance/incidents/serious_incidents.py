"""Serious incidents under the EU AI Act (Art. 3(49)): the report to the market surveillance
authority is due 15, 10 or 2 days after awareness (Art. 73(2)-(4)); whether it was made in time
is recorded as a decision. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from governance.database import utcnow
from governance.enums import DecisionStatus, IncidentEventKind, SeriousIncidentKind
from governance.errors import DomainError
from governance.extensions import db
from governance.incidents.models import Incident, IncidentEvent
from governance.incidents.operations import REFUSAL, _allowed, _not_before, _org, add_event
from governance.people.models import User
from governance.permissions import Action, require


def mark_serious(
    incident: Incident,
    by: User,
    kind: SeriousIncidentKind,
    aware_at: datetime | None = None,
) -> Incident:
    """A serious incident under the EU AI Act (Art. 3(49)): the report to the market
    surveillance authority is due 15, 10 or 2 days after awareness (Art. 73(2)-(4))."""
    _allowed(_org(incident), by)
    if incident.reported_at is not None:
        # The report's decision said "in time" or "late" against this deadline: it stays.
        raise DomainError("The report to the authority is already recorded.")
    aware_at = aware_at or incident.detected_at
    _not_before(aware_at, incident.impact_started_at, "started", "aware_at")
    incident.serious_kind = kind
    incident.aware_at = aware_at
    add_event(
        incident,
        IncidentEventKind.MARKED_SERIOUS,
        by,
        utcnow() if aware_at < utcnow() else aware_at,
        f"Serious incident ({kind.value.replace('_', ' ')}); report due "
        f"{incident.report_due_at:%Y-%m-%d %H:%M} UTC.",
    )
    db.session.flush()
    return incident


def record_report(
    incident: Incident,
    by: User,
    reported_at: datetime | None = None,
    *,
    authority: str,
    reference: str = "",
) -> IncidentEvent:
    """The report to the authority was made: recorded as a decision saying whether it was in
    time, and on the timeline."""
    from governance.decisions.operations import record_decision

    org = _org(incident)
    require(by, Action.PROPOSE_DECISION, org, REFUSAL)
    if incident.serious_kind is None or incident.report_due_at is None:
        raise DomainError("Only a serious incident is reported to the authority.")
    if incident.reported_at is not None:
        raise DomainError("This incident's report is already recorded.")
    if not (authority or "").strip():
        raise DomainError("Name the authority the report went to.", field="authority")
    reported_at = reported_at or utcnow()
    _not_before(reported_at, incident.aware_at, "known", "reported_at")
    due = incident.report_due_at
    in_time = reported_at <= due
    entry = record_decision(
        org,
        by,
        title=f"Serious incident reported: {incident.title}"[:200],
        context=(
            f"Incident #{incident.id} is a serious incident under the EU AI Act (Article 73); "
            f"the report was due by {due:%Y-%m-%d %H:%M} UTC."
        ),
        decision=(
            f"Reported to {authority.strip()} on {reported_at:%Y-%m-%d %H:%M} UTC"
            + (f" (reference {reference.strip()})" if reference.strip() else "")
            + (", in time." if in_time else ", late.")
        ),
        status=DecisionStatus.ACCEPTED,
        initiative=incident.initiative,
        kind="serious_incident_report",
        details={"incident_id": incident.id, "in_time": in_time, "due": due.isoformat()},
        created_at=reported_at,
        by_workflow=True,
    )
    incident.reported_at = reported_at
    incident.report_decision_id = entry.id
    event = add_event(
        incident,
        IncidentEventKind.REPORTED,
        by,
        reported_at,
        f"Reported to {authority.strip()}" + (" in time." if in_time else " late."),
        decision_id=entry.id,
    )
    db.session.flush()
    return event
