"""Rules over incidents: no major incident open where a promotion to production is judged,
incidents resolved within the organization's MTTR target, serious incidents reported to the
authority by their EU AI Act deadline.

An initiative's incidents are those naming it or one of its deployments (an incident opened
from an alert names the deployment; one opened by hand may name only the initiative). A fixed
number of queries per rule, whatever the number of incidents.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from governance.dashboards.sql import seconds_between
from governance.enums import MAJOR_SEVERITIES, IncidentStatus
from governance.extensions import db
from governance.gates.rules import (
    Checked,
    Failure,
    RecordRef,
    done_when_empty,
    holds_until,
    reaches,
    reaches_when_changed,
    rule,
)
from governance.incidents.models import Incident
from governance.lineage.models import LineageArtifact
from governance.monitoring.rules import deployment_record, deployments_of
from governance.portfolio.models import Initiative, Organization
from governance.web.formats import duration

MTTR_DAYS = 90


def incident_record(incident: Incident) -> str:
    return f"Incident #{incident.id} {incident.title}"


def _ref(incident: Incident) -> RecordRef:
    return RecordRef("incident", incident.id)


def _moment(at: datetime) -> str:
    return f"{at:%d %b %Y %H:%M} UTC"


def incidents_of(initiative: Initiative) -> sa.ColumnElement[bool]:
    """The condition on Incident for the initiative's incidents."""
    return sa.and_(
        Incident.organization_id == initiative.organization_id,
        sa.or_(
            Incident.initiative_id == initiative.id,
            Incident.deployment_id.in_(deployments_of(initiative)),
        ),
    )


@rule(
    "no_open_major_incident",
    "No SEV1 or SEV2 incident open on a production deployment",
    # Nothing in production (a first promotion): no major incident can be open on it, and the
    # gate asks for nothing more. An incident of the initiative naming no deployment still
    # counts: it may be production's.
    when_empty=done_when_empty("nothing is in production yet, so no major incident is open there"),
)
def no_open_major_incident(initiative: Initiative, today: date) -> Checked:
    production = list(db.session.scalars(deployments_of(initiative, production=True)))
    rows = db.session.execute(
        sa.select(Incident, LineageArtifact)
        .outerjoin(LineageArtifact, LineageArtifact.id == Incident.deployment_id)
        .where(
            incidents_of(initiative),
            Incident.status != IncidentStatus.RESOLVED,
            Incident.severity.in_(sorted(MAJOR_SEVERITIES)),
            sa.or_(Incident.deployment_id.in_(production), Incident.deployment_id.is_(None)),
        )
        .order_by(Incident.severity, Incident.detected_at, Incident.id)
    ).all()
    failures = []
    for incident, deployment in rows:
        where = (
            f"on {deployment_record(deployment).lower()}"
            if deployment is not None
            else "naming no deployment"
        )
        failures.append(
            Failure(
                incident_record(incident),
                f"{incident.severity.label} {where}, {incident.status.value} since "
                f"{_moment(incident.detected_at)}: resolve it before promoting",
                _ref(incident),
            )
        )
    return Checked(len(production), failures)


# ---- MTTR ----------------------------------------------------------------------------------


def mttr_of(initiative: Initiative, since: datetime) -> tuple[int, float | None, datetime | None]:
    """How many of the initiative's incidents detected since `since` are resolved, their mean
    minutes from detection to resolution, and the earliest detection among them."""
    took = seconds_between(Incident.detected_at, Incident.resolved_at)
    count, mean, first = db.session.execute(
        sa.select(sa.func.count(Incident.id), sa.func.avg(took), sa.func.min(Incident.detected_at))
        .where(incidents_of(initiative), Incident.resolved_at.is_not(None))
        .where(Incident.detected_at >= since)
    ).one()
    if isinstance(first, str):  # an aggregate over a typed column comes back as text on SQLite
        first = datetime.fromisoformat(first)
    if first is not None and first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    # Whole seconds: SQLite's day fractions carry float noise (300 minutes read 300.0000001).
    return count, None if mean is None else round(float(mean)) / 60, first


@rule(
    "mttr_within_target",
    "Mean time to resolve within the organization's target over the last {days} days",
    # No incident resolved in the window: nothing took too long to fix. An incident still open
    # is not in the mean; a major one blocks promotion by its own rule (no_open_major_incident).
    when_empty=done_when_empty(f"no incident detected in the last {MTTR_DAYS} days was resolved"),
    params={"days": MTTR_DAYS},
)
def mttr_within_target(initiative: Initiative, today: date) -> Checked:
    since = datetime.combine(today - timedelta(days=MTTR_DAYS), time.min, tzinfo=UTC)
    count, mean, first = mttr_of(initiative, since)
    if first is not None:  # the mean changes when its earliest incident leaves the window
        holds_until(first.date() + timedelta(days=MTTR_DAYS))
    if not count or mean is None:
        return Checked(0)
    target = db.session.scalar(
        sa.select(Organization.mttr_target_minutes).where(
            Organization.id == initiative.organization_id
        )
    )
    if target is None or mean <= target:
        return Checked(count)
    slowest = db.session.scalar(
        sa.select(Incident)
        .where(incidents_of(initiative), Incident.resolved_at.is_not(None))
        .where(Incident.detected_at >= since)
        .order_by(seconds_between(Incident.detected_at, Incident.resolved_at).desc(), Incident.id)
        .limit(1)
    )
    assert slowest is not None and slowest.resolved_at is not None
    plural = "s" if count != 1 else ""
    reason = (
        f"{duration(mean)} on average over {count} incident{plural} resolved in the last "
        f"{MTTR_DAYS} days; the target is {duration(target)}. The slowest: "
        f"{incident_record(slowest)}, "
        f"{duration((slowest.resolved_at - slowest.detected_at).total_seconds() / 60)}"
    )
    return Checked(count, [Failure("Mean time to resolve", reason, _ref(slowest))])


# ---- serious incidents ---------------------------------------------------------------------


@rule(
    "serious_incidents_reported_in_time",
    "Every serious incident reported to the authority by its deadline",
    # No serious incident: there was nothing to report.
    when_empty=done_when_empty("no serious incident was recorded"),
)
def serious_incidents_reported_in_time(initiative: Initiative, today: date) -> Checked:
    serious = list(
        db.session.scalars(
            sa.select(Incident)
            .where(incidents_of(initiative), Incident.serious_kind.is_not(None))
            .order_by(Incident.detected_at, Incident.id)
        )
    )
    failures = []
    for incident in serious:
        due = incident.report_due_at
        assert due is not None
        if incident.reported_at is not None:
            if incident.reported_at > due:
                failures.append(
                    Failure(
                        incident_record(incident),
                        f"reported on {_moment(incident.reported_at)}, after its deadline "
                        f"of {_moment(due)}",
                        _ref(incident),
                    )
                )
        elif today > due.date():
            failures.append(
                Failure(
                    incident_record(incident),
                    f"not reported: the report was due by {_moment(due)}",
                    _ref(incident),
                )
            )
        else:
            # In time so far, judged by the day: once the due day is past, it is overdue.
            holds_until(due.date())
    return Checked(len(serious), failures)


# ---- reach ---------------------------------------------------------------------------------


@reaches("incident")
def initiatives_of_incidents(incident_ids: list[int]) -> set[int]:
    """An incident opened, resolved, marked serious or reported changes the rules of the
    initiative it names and of its deployment's."""
    found: set[int] = set()
    for named, of_deployment in db.session.execute(
        sa.select(Incident.initiative_id, LineageArtifact.initiative_id)
        .outerjoin(LineageArtifact, LineageArtifact.id == Incident.deployment_id)
        .where(Incident.id.in_(incident_ids))
    ):
        found.update(i for i in (named, of_deployment) if i is not None)
    return found


@reaches_when_changed("organization", "mttr_target_minutes")
def initiatives_of_organizations(organization_ids: list[int]) -> set[int]:
    """The MTTR target changed: every initiative of the organization is judged against it."""
    return set(
        db.session.scalars(
            sa.select(Initiative.id).where(Initiative.organization_id.in_(organization_ids))
        )
    )
