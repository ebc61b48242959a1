"""Demo monitors and their observations from seed_data/operations.yaml: each monitor created
by its owner the day its deployment went live, its readings generated from a seeded series
(a baseline, noise, and the breaches of the incidents it raised) and recorded in one batch."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from governance.audit import acting_as
from governance.catalog import load
from governance.enums import Comparator, MonitorSignal, ObservationSource, Severity
from governance.extensions import db
from governance.incidents.seed import Timeline, operations_specs
from governance.lineage.models import LineageArtifact
from governance.monitoring import operations as ops
from governance.monitoring.models import Monitor, comparator_holds
from governance.people.models import User
from governance.portfolio.models import Organization

# Readings during a breach: one at its start, then every few hours, and one healthy after it.
BREACH_STEP = timedelta(hours=6)


def load_monitoring(today: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Create every demo organization's monitors and observations. Flushes."""
    today = today or date.today()
    # The latest reading an hour before the load, on the hour: monitors are live, not silent.
    now = now or datetime.now(UTC)
    latest = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    cadence: dict[str, int] = load("operations.yaml")["cadence"]
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    counts = {"monitors": 0, "observations": 0}
    for slug, spec in operations_specs().items():
        org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
        if org is None:
            continue
        artifacts = _artifacts(org, slug)
        breaches: dict[str, list[tuple[Timeline, float]]] = {}
        for incident in spec.get("incidents", []):
            episode = (Timeline.of(incident, today), float(incident["breach"]))
            breaches.setdefault(incident["monitor"], []).append(episode)
        for item in spec.get("monitors", []):
            owner = users[item["owner"]]
            live = datetime.combine(today - timedelta(days=item["go_live"]), time(15), tzinfo=UTC)
            with acting_as(owner.id, at=live):
                monitor = _monitor(org, owner, artifacts, item)
            readings = _series(monitor, item, live, latest, cadence, breaches.get(item["key"], []))
            with acting_as(owner.id, at=latest):
                ops.record_observations(
                    org,
                    owner,
                    [
                        ops.ObservationInput(value, at, monitor_key=monitor.key)
                        for at, value in readings
                    ],
                    source=ObservationSource.DEMO,
                )
            counts["monitors"] += 1
            counts["observations"] += len(readings)
    db.session.flush()
    return counts


def _artifacts(org: Organization, slug: str) -> dict[str, LineageArtifact]:
    """The organization's artifacts by their lineage.yaml key."""
    names = {
        item["key"]: item["name"]
        for initiative in load("lineage.yaml").get(slug, {}).values()
        for item in initiative.get("artifacts", [])
        if "name" in item
    }
    found = {
        a.name: a
        for a in db.session.scalars(
            sa.select(LineageArtifact).where(
                LineageArtifact.organization_id == org.id,
                LineageArtifact.name.in_(list(names.values())),
            )
        )
    }
    return {key: found[name] for key, name in names.items() if name in found}


def _monitor(
    org: Organization, owner: User, artifacts: dict[str, LineageArtifact], item: dict[str, Any]
) -> Monitor:
    dataset = artifacts[item["dataset"]] if item.get("dataset") else None
    return ops.create_monitor(
        org,
        owner,
        artifacts[item["deployment"]],
        key=item["key"],
        name=item["name"],
        signal=MonitorSignal(item["signal"]),
        metric=item["metric"],
        comparator=Comparator(item["comparator"]),
        threshold=float(item["threshold"]),
        unit=item.get("unit", ""),
        window_minutes=int(item["window"]),
        severity=Severity(item["severity"]),
        owner_id=owner.id,
        dataset_id=dataset.id if dataset else None,
    )


def _series(
    monitor: Monitor,
    item: dict[str, Any],
    live: datetime,
    latest: datetime,
    cadence: dict[str, int],
    breaches: list[tuple[Timeline, float]],
) -> list[tuple[datetime, float]]:
    """The monitor's readings: every `every_days` since it went live, daily over the last
    `daily_days`, and through each breach; seeded by its key, so every load draws the same."""
    moments = {latest - timedelta(days=n) for n in range(cadence["daily_days"])}
    moment = latest
    while moment > live:
        moments.add(moment)
        moment -= timedelta(days=cadence["every_days"])
    for when, _value in breaches:
        end = when.recovered or latest
        moment = when.impact
        while moment < end:
            moments.add(moment)
            moment += BREACH_STEP
        if when.recovered is not None and when.recovered < latest:
            moments.add(when.recovered + timedelta(minutes=5))  # the first healthy reading
    noise = random.Random(monitor.key)  # noqa: S311 — demo values, not security
    baseline, spread = float(item["baseline"]), float(item["noise"])
    readings: list[tuple[datetime, float]] = []
    for moment in sorted(m for m in moments if live < m <= latest):
        breach = next(
            (
                value
                for when, value in breaches
                if when.impact <= moment < (when.recovered or latest + timedelta(seconds=1))
            ),
            None,
        )
        value = (breach if breach is not None else baseline) + noise.gauss(
            0, spread / 2 if breach is not None else spread
        )
        healthy = comparator_holds(monitor.comparator, value, monitor.threshold)
        if breach is None and not healthy:
            value = baseline  # noise alone never breaches: only the story's incidents do
        elif breach is not None and healthy:
            value = breach
        readings.append((moment, round(value, 4)))
    return readings
