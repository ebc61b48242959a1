"""Demo incidents from seed_data/operations.yaml, told through the incident operations at their
story moments, in time order with the rest of the demo's history (`Story`): the review and
report decisions join each organization's decision log where their dates put them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa

from governance.catalog import Story, load
from governance.enums import IncidentSource, SeriousIncidentKind, Severity
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents import serious_incidents
from governance.incidents.models import Incident
from governance.lineage.models import LineageArtifact
from governance.monitoring.models import Monitor
from governance.people.models import User
from governance.portfolio.models import Organization


def after(value: int | str) -> timedelta:
    """A step's delay as written in operations.yaml: minutes (45), hours ("6h") or days ("4d")."""
    if isinstance(value, int):
        return timedelta(minutes=value)
    number, unit = int(value[:-1]), value[-1]
    return timedelta(hours=number) if unit == "h" else timedelta(days=number)


@dataclass(frozen=True)
class Timeline:
    """When an incident's impact started, was detected, and stopped (None: it goes on)."""

    impact: datetime
    detected: datetime
    recovered: datetime | None

    @classmethod
    def of(cls, spec: dict[str, Any], today: date) -> Timeline:
        hours, minutes = (int(part) for part in spec["at"].split(":"))
        day = today - timedelta(days=int(spec["day"]))
        impact = datetime.combine(day, time(hours, minutes), tzinfo=UTC)
        detected = impact + after(int(spec["detect"]))
        ended = spec.get("mitigated") or spec.get("resolved")
        recovered = None
        if ended and spec.get("breach_until") != "now":
            recovered = detected + after(ended["after"])
        return cls(impact, detected, recovered)

    def at(self, delay: int | str) -> datetime:
        return self.detected + after(delay)


def operations_specs() -> dict[str, dict[str, Any]]:
    """Each organization's part of operations.yaml (its monitors and incidents)."""
    data: dict[str, Any] = load("operations.yaml")
    return {slug: spec for slug, spec in data.items() if slug != "cadence"}


def load_incidents(story: Story, today: date | None = None) -> int:
    """Add every demo incident's life to the story, each step by its person at its moment.
    Returns the number of incidents."""
    today = today or date.today()
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    count = 0
    for slug, spec in operations_specs().items():
        org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
        if org is None:
            continue
        monitors = {
            m.key: m
            for m in db.session.scalars(sa.select(Monitor).where(Monitor.organization_id == org.id))
        }
        for item in spec.get("incidents", []):
            _tell(story, org, item, Timeline.of(item, today), monitors, users)
            count += 1
    return count


def _tell(
    story: Story,
    org: Organization,
    spec: dict[str, Any],
    when: Timeline,
    monitors: dict[str, Monitor],
    users: dict[str, User],
) -> None:
    monitor = monitors[spec["monitor"]]
    # Alertmanager opens it; the audit trail names the monitor's owner, who is paged.
    pager = db.session.get(User, monitor.owner_id)
    assert pager is not None, monitor.key
    held: dict[str, Incident] = {}

    def step(at: datetime, who: User | None, action: Any) -> None:
        story.at(at, (who or pager).id, lambda: action(held["incident"], who, at))

    story.at(when.detected, pager.id, partial(_open, org, spec, when, monitor, held))
    if ack := spec.get("acknowledged"):
        step(when.at(ack["after"]), users[ack["by"]], ops.acknowledge)
    for note in spec.get("notes", []):
        step(when.at(note["after"]), users[note["by"]], partial(_note, note["text"]))
    if serious := spec.get("serious"):
        aware = when.at(serious["aware"])
        kind = SeriousIncidentKind(serious["kind"])
        step(
            when.at(serious["after"]),
            users[serious["by"]],
            lambda i, who, _at: serious_incidents.mark_serious(i, who, kind, aware),
        )
    if rollback := spec.get("rollback"):
        step(
            when.at(rollback["after"]),
            users[rollback["by"]],
            lambda i, who, at: ops.execute_rollback(
                i, who, int(rollback["minutes"]), at, rollback.get("note", "")
            ),
        )
    for name, action in (("mitigated", ops.mitigate), ("resolved", ops.resolve)):
        if done := spec.get(name):
            by = users[done["by"]] if done.get("by") else None
            step(when.at(done["after"]), by, partial(_finish, action, done.get("note", "")))
    if report := spec.get("report"):
        step(when.at(report["after"]), users[report["by"]], partial(_report, report))
    if review := spec.get("review"):
        step(when.at(review["after"]), users[review["by"]], partial(_review, review))


def _open(
    org: Organization,
    spec: dict[str, Any],
    when: Timeline,
    monitor: Monitor,
    held: dict[str, Incident],
) -> None:
    deployment = db.session.get(LineageArtifact, monitor.deployment_id)
    held["incident"] = ops.open_incident(
        org,
        None,
        title=spec["title"],
        severity=Severity(spec["severity"]),
        source=IncidentSource.ALERTMANAGER,
        deployment=deployment,
        monitor=monitor,
        summary=spec.get("summary", ""),
        detected_at=when.detected,
        impact_started_at=when.impact,
        # Like Alertmanager's: 16 hex digits, one per alert (the monitor, the breach's start).
        fingerprint=hashlib.sha256(f"{monitor.key}@{when.impact:%Y%m%d}".encode()).hexdigest()[:16],
    )


def _note(text: str, incident: Incident, by: User, at: datetime) -> None:
    ops.add_note(incident, by, text, at)


def _finish(action: Any, note: str, incident: Incident, by: User | None, at: datetime) -> None:
    action(incident, by, at, note)


def _report(spec: dict[str, Any], incident: Incident, by: User, at: datetime) -> None:
    serious_incidents.record_report(
        incident, by, at, authority=spec["authority"], reference=spec.get("reference", "")
    )


def _review(spec: dict[str, Any], incident: Incident, by: User, at: datetime) -> None:
    madr = {name: spec[name] for name in ("consequences", "confirmation") if name in spec}
    ops.record_review(
        incident,
        by,
        title=spec["title"],
        context=spec["context"],
        decision=spec["decision"],
        rationale=spec.get("rationale", ""),
        at=at,
        **madr,
    )
