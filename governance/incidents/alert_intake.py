"""What an Alertmanager notification does to incidents, alert by alert.

Matching, by the alert's own labels (README "Alerts from Alertmanager"):
1. `monitor` = a monitor's key in the organization: that monitor, its deployment and the
   deployment's initiative;
2. else `deployment` = the name of a deployment artifact of the organization (with several of
   that name, `namespace` must name the one; never a guess): that deployment and its initiative;
3. else nothing: the incident is still opened, on no deployment, to be triaged (an alert is
   never dropped), and says which labels did not match.

Severity: a `severity` label sev1..sev4 as written; else the matched monitor's severity (the
team chose it in the tracker for exactly this signal); else Prometheus's words: critical (also
page, high, error) SEV2, warning SEV3, info (low, none) SEV4; else SEV3.

A firing alert opens an incident (detected when its first notification arrives, impact from
its `startsAt` or the monitor's breach if that began earlier), or attaches to the open incident
with its fingerprint. A resolved alert resolves that incident at `endsAt` as the alerting
system; a resolved alert with no incident opens and resolves one. The same alert state sent
again (IncidentEvent.dedupe_key) changes nothing. Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from governance.enums import ArtifactKind, IncidentEventKind, IncidentSource, Severity
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents.alertmanager import Alert, Notification
from governance.incidents.models import Incident, IncidentEvent
from governance.lineage.models import LineageArtifact
from governance.monitoring.models import Monitor
from governance.monitoring.queries import breach_started
from governance.portfolio.models import Organization

SEVERITY_WORDS = {
    "critical": Severity.SEV2,
    "page": Severity.SEV2,
    "high": Severity.SEV2,
    "error": Severity.SEV2,
    "warning": Severity.SEV3,
    "warn": Severity.SEV3,
    "medium": Severity.SEV3,
    "info": Severity.SEV4,
    "low": Severity.SEV4,
    "none": Severity.SEV4,
}


@dataclass
class Outcome:
    """What one alert did, as the webhook answers it (and Alertmanager's log shows)."""

    index: int
    fingerprint: str
    status: str
    action: str  # opened, attached, resolved, opened_and_resolved, recorded, replay
    incident_id: int | None
    matched: str
    note: str = ""


@dataclass
class _Match:
    monitor: Monitor | None
    deployment: LineageArtifact | None
    words: str


class _Known:
    """What the notification's alerts refer to, loaded in a few queries for all of them."""

    def __init__(self, org: Organization, alerts: list[Alert]) -> None:
        keys = {a.labels["monitor"] for a in alerts if a.labels.get("monitor")}
        names = {a.labels["deployment"] for a in alerts if a.labels.get("deployment")}
        prints = {a.fingerprint for a in alerts}
        self.monitors = {
            m.key: m
            for m in db.session.scalars(
                sa.select(Monitor).where(Monitor.organization_id == org.id, Monitor.key.in_(keys))
            )
        }
        self.deployments: dict[str, list[LineageArtifact]] = {}
        for artifact in db.session.scalars(
            sa.select(LineageArtifact)
            .where(
                LineageArtifact.organization_id == org.id,
                LineageArtifact.kind == ArtifactKind.DEPLOYMENT,
                LineageArtifact.name.in_(names),
            )
            .order_by(LineageArtifact.id)
        ):
            self.deployments.setdefault(artifact.name, []).append(artifact)
        self.seen = set(
            db.session.scalars(
                sa.select(IncidentEvent.dedupe_key).where(
                    IncidentEvent.organization_id == org.id,
                    IncidentEvent.dedupe_key.in_({a.dedupe_key for a in alerts}),
                )
            )
        )
        # The latest incident of each fingerprint: the one an alert attaches to or resolves.
        latest = (
            sa.select(sa.func.max(Incident.id))
            .where(Incident.organization_id == org.id, Incident.fingerprint.in_(prints))
            .group_by(Incident.fingerprint)
        )
        self.incidents = {
            i.fingerprint: i
            for i in db.session.scalars(sa.select(Incident).where(Incident.id.in_(latest)))
        }

    def match(self, alert: Alert) -> _Match:
        key, name = alert.labels.get("monitor", ""), alert.labels.get("deployment", "")
        if key and key in self.monitors:
            monitor = self.monitors[key]
            return _Match(monitor, monitor.deployment, f"monitor {key}")
        candidates = self.deployments.get(name, [])
        if len(candidates) > 1:
            # Never guess between deployments of one name: the namespace label decides.
            namespace = alert.labels.get("namespace", "")
            candidates = [c for c in candidates if c.namespace == namespace]
            if len(candidates) != 1:
                return _Match(
                    None,
                    None,
                    f"nothing (deployment={name}: several deployments have this name; "
                    "add a namespace label naming one)",
                )
        if candidates:
            return _Match(None, candidates[0], f"deployment {candidates[0].name}")
        named = [f"{k}={alert.labels[k]}" for k in ("monitor", "deployment") if k in alert.labels]
        return _Match(None, None, "nothing" + (f" ({', '.join(named)}: unknown)" if named else ""))


def severity_of(alert: Alert, monitor: Monitor | None) -> Severity:
    word = alert.labels.get("severity", "").strip().lower()
    if word in {s.value for s in Severity}:
        return Severity(word)
    if monitor is not None:
        return monitor.severity
    return SEVERITY_WORDS.get(word, Severity.SEV3)


def receive(org: Organization, notification: Notification, now: datetime) -> list[Outcome]:
    """Apply each alert of a checked notification, in order. `now` is when it arrived."""
    known = _Known(org, notification.alerts)
    return [_one(org, alert, known, now) for alert in notification.alerts]


def _one(org: Organization, alert: Alert, known: _Known, now: datetime) -> Outcome:
    match = known.match(alert)
    outcome = Outcome(alert.index, alert.fingerprint, alert.status, "replay", None, match.words)
    incident = known.incidents.get(alert.fingerprint)
    if alert.dedupe_key in known.seen:
        outcome.incident_id = incident.id if incident else None
        outcome.note = "Already received: nothing changed."
        return outcome
    known.seen.add(alert.dedupe_key)
    if alert.firing:
        _firing(org, alert, known, match, incident, now, outcome)
    else:
        _resolved(org, alert, known, match, incident, outcome)
    return outcome


def _firing(
    org: Organization,
    alert: Alert,
    known: _Known,
    match: _Match,
    incident: Incident | None,
    now: datetime,
    outcome: Outcome,
) -> None:
    key = alert.dedupe_key
    if incident is not None and incident.is_open:
        ops.add_event(
            incident,
            IncidentEventKind.ALERT_FIRING,
            None,
            now,
            f"Alertmanager: still firing ({alert.title}, "
            f"since {alert.starts_at:%Y-%m-%d %H:%M} UTC).",
            dedupe_key=key,
        )
        db.session.flush()
        outcome.action, outcome.incident_id = "attached", incident.id
        return
    if incident is not None and incident.resolved_at and incident.resolved_at >= alert.starts_at:
        # Delivered late, after the alert's own resolution: the incident it belongs to is over.
        ops.add_event(
            incident,
            IncidentEventKind.ALERT_FIRING,
            None,
            now,
            "Alertmanager: a firing notification arrived after the incident was resolved.",
            dedupe_key=key,
        )
        db.session.flush()
        outcome.action, outcome.incident_id = "recorded", incident.id
        outcome.note = "The incident was already resolved: not reopened."
        return
    opened = _open(org, alert, match, detected_at=now, dedupe_key=key)
    known.incidents[alert.fingerprint] = opened
    outcome.action, outcome.incident_id = "opened", opened.id
    if match.deployment is None:
        outcome.note = "No monitor or deployment matched: the incident names no deployment."


def _resolved(
    org: Organization,
    alert: Alert,
    known: _Known,
    match: _Match,
    incident: Incident | None,
    outcome: Outcome,
) -> None:
    assert alert.ends_at is not None
    key = alert.dedupe_key
    ended = incident.resolved_at if incident is not None else None
    if incident is None or (ended is not None and ended < alert.starts_at):
        # The firing notification never reached us (the tracker was down, the receiver added
        # later): the incident still happened. It was known to the alerting system at startsAt.
        incident = _open(org, alert, match, detected_at=alert.starts_at, dedupe_key=None)
        known.incidents[alert.fingerprint] = incident
        ops.resolve(incident, None, alert.ends_at, "Alertmanager: resolved.", dedupe_key=key)
        outcome.action, outcome.incident_id = "opened_and_resolved", incident.id
        outcome.note = "No firing notification was received for this alert."
        return
    outcome.incident_id = incident.id
    if not incident.is_open:
        ops.add_event(
            incident,
            IncidentEventKind.ALERT_RESOLVED,
            None,
            alert.ends_at,
            "Alertmanager: the alert resolved.",
            dedupe_key=key,
        )
        db.session.flush()
        outcome.action, outcome.note = "recorded", "The incident was already resolved."
        return
    # Never before a step already taken (a person may have acknowledged after the alert ended).
    latest = max(
        t for t in (incident.detected_at, incident.acknowledged_at, incident.mitigated_at) if t
    )
    at = max(alert.ends_at, latest)
    ops.resolve(incident, None, at, "Alertmanager: the alert resolved.", dedupe_key=key)
    outcome.action = "resolved"


def _open(
    org: Organization,
    alert: Alert,
    match: _Match,
    *,
    detected_at: datetime,
    dedupe_key: str | None,
) -> Incident:
    impact = alert.starts_at
    if match.monitor is not None:
        breach = breach_started(match.monitor.id, detected_at)
        if breach is not None and breach < impact:
            impact = breach
    summary = alert.description
    if match.deployment is None:
        summary = f"Matched no monitor or deployment ({match.words}).\n" + summary
    return ops.open_incident(
        org,
        None,
        title=alert.title,
        severity=severity_of(alert, match.monitor),
        source=IncidentSource.ALERTMANAGER,
        deployment=match.deployment,
        monitor=match.monitor,
        summary=summary,
        detected_at=detected_at,
        impact_started_at=min(impact, detected_at),
        fingerprint=alert.fingerprint,
        dedupe_key=dedupe_key,
    )
