"""Monitors on deployments, and the observations they judge.

`record_observations` is the one way in for telemetry (the API's batches, OpenLineage's
data-quality facets, the demo): it resolves each observation to its artifact and monitor,
judges it against the monitor as it stands, and inserts the batch in one statement.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from governance.database import utcnow
from governance.enums import (
    ArtifactKind,
    Comparator,
    MonitorSignal,
    ObservationSource,
    Severity,
)
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.lineage.models import LineageArtifact
from governance.monitoring.models import Monitor, Observation, comparator_holds
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Organization

REFUSAL = "Your role in this organization does not allow changing its monitors."

MONITOR_FIELDS = [
    "key",
    "name",
    "signal",
    "metric",
    "comparator",
    "threshold",
    "unit",
    "window_minutes",
    "severity",
    "owner_id",
    "dataset_id",
    "active",
]

# What Alertmanager's `monitor` label carries: short, stable, safe in a URL and a label value.
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,119}$")


def _check(org: Organization, deployment: LineageArtifact, changes: dict[str, Any]) -> None:
    from governance.portfolio.operations import _member_of

    if deployment.organization_id != org.id or deployment.kind != ArtifactKind.DEPLOYMENT:
        raise DomainError("Choose a deployment of this organization.", field="deployment_id")
    key = changes.get("key") or ""
    if not KEY_PATTERN.match(key):
        raise DomainError(
            "The key is lower-case letters, digits, '.', '_' or '-' (it is the value of the "
            "alert's `monitor` label), up to 120 characters.",
            field="key",
        )
    if not (changes.get("name") or "").strip():
        raise DomainError("Give the monitor a name.", field="name")
    if not (changes.get("metric") or "").strip():
        raise DomainError("Name the metric the monitor watches.", field="metric")
    window = changes.get("window_minutes")
    if not isinstance(window, int) or not 1 <= window <= 60 * 24 * 31:
        raise DomainError("The window is 1 minute to 31 days, in minutes.", field="window_minutes")
    threshold = changes.get("threshold")
    if not isinstance(threshold, int | float) or not math.isfinite(threshold):
        raise DomainError("The threshold is a number.", field="threshold")
    _member_of(org, changes.get("owner_id"), "owner_id")
    dataset_id = changes.get("dataset_id")
    if dataset_id is not None:
        dataset = db.session.get(LineageArtifact, dataset_id)
        if (
            dataset is None
            or dataset.organization_id != org.id
            or dataset.kind not in (ArtifactKind.DATASET, ArtifactKind.FEATURE_SET)
        ):
            raise DomainError("Choose a dataset of this organization.", field="dataset_id")


def _key_taken(org: Organization, key: str, but: int | None) -> bool:
    query = sa.select(Monitor.id).where(Monitor.organization_id == org.id, Monitor.key == key)
    if but is not None:
        query = query.where(Monitor.id != but)
    return db.session.scalar(query.limit(1)) is not None


def create_monitor(
    org: Organization,
    by: User,
    deployment: LineageArtifact,
    *,
    key: str,
    name: str,
    signal: MonitorSignal,
    metric: str,
    comparator: Comparator,
    threshold: float,
    unit: str = "",
    window_minutes: int = 60,
    severity: Severity = Severity.SEV3,
    owner_id: int | None = None,
    dataset_id: int | None = None,
) -> Monitor:
    require(by, Action.CONTRIBUTE, org, REFUSAL)
    changes: dict[str, Any] = dict(
        key=(key or "").strip(),
        name=(name or "").strip(),
        signal=signal,
        metric=(metric or "").strip(),
        comparator=comparator,
        threshold=threshold,
        unit=(unit or "").strip(),
        window_minutes=window_minutes,
        severity=severity,
        owner_id=owner_id,
        dataset_id=dataset_id,
    )
    _check(org, deployment, changes)
    if _key_taken(org, changes["key"], None):
        raise DomainError("Another monitor of this organization has this key.", field="key")
    monitor = Monitor(organization_id=org.id, deployment_id=deployment.id, **changes)
    db.session.add(monitor)
    db.session.flush()
    return monitor


def update_monitor(
    monitor: Monitor, by: User, expected_version: int | None, **changes: Any
) -> Monitor:
    org = db.session.get(Organization, monitor.organization_id)
    assert org is not None
    require(by, Action.CONTRIBUTE, org, REFUSAL)
    check_version(monitor, expected_version, MONITOR_FIELDS)
    unknown = set(changes) - set(MONITOR_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    merged = {name: getattr(monitor, name) for name in MONITOR_FIELDS} | changes
    _check(org, monitor.deployment, merged)
    if _key_taken(org, merged["key"], monitor.id):
        raise DomainError("Another monitor of this organization has this key.", field="key")
    for name, value in changes.items():
        setattr(monitor, name, value)
    db.session.flush()
    return monitor


@dataclass(frozen=True)
class ObservationInput:
    """One value sent in: of a monitor (by key), or of an artifact's metric (a dataset's
    data-quality metric, say), which every active monitor on that artifact and metric judges."""

    value: float
    observed_at: datetime
    monitor_key: str | None = None
    artifact_id: int | None = None
    metric: str | None = None


@dataclass
class ObservationsRecorded:
    received: int = 0
    breaches: int = 0
    # Monitor ids that saw a breaching value in this batch.
    breaching_monitors: set[int] = field(default_factory=set)
    # Their keys, what the API answers.
    breaching_keys: set[str] = field(default_factory=set)


def record_observations(
    org: Organization,
    by: User | None,
    items: list[ObservationInput],
    *,
    source: ObservationSource = ObservationSource.API,
    lineage_event_id: int | None = None,
) -> ObservationsRecorded:
    """Judge and insert a batch; refuse it whole (DomainError naming the item) if any item names
    a monitor or artifact this organization does not have. Flushes, never commits."""
    if by is not None:
        require(by, Action.CONTRIBUTE, org, REFUSAL)
    keys = {item.monitor_key for item in items if item.monitor_key}
    artifact_ids = {item.artifact_id for item in items if item.artifact_id is not None}
    monitors = db.session.scalars(
        sa.select(Monitor).where(
            Monitor.organization_id == org.id,
            sa.or_(
                Monitor.key.in_(keys),
                Monitor.deployment_id.in_(artifact_ids),
                Monitor.dataset_id.in_(artifact_ids),
            ),
        )
    ).all()
    by_key = {m.key: m for m in monitors}
    known_artifacts = set(
        db.session.scalars(
            sa.select(LineageArtifact.id).where(
                LineageArtifact.organization_id == org.id, LineageArtifact.id.in_(artifact_ids)
            )
        )
    )
    # Who judges an artifact's metric: every active monitor on it (a data-quality monitor
    # judges its dataset's metric, any other its deployment's).
    judges_of: dict[tuple[int, str], list[Monitor]] = {}
    for m in monitors:
        if m.active:
            judges_of.setdefault((m.dataset_id or m.deployment_id, m.metric), []).append(m)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    result = ObservationsRecorded()
    breaching = result.breaching_monitors
    for index, item in enumerate(items):
        if item.monitor_key:
            monitor = by_key.get(item.monitor_key)
            if monitor is None:
                raise DomainError(
                    f"observations[{index}].monitor: no monitor {item.monitor_key!r} in this "
                    "organization.",
                    field=f"observations[{index}].monitor",
                )
            judges: list[Monitor] = [monitor] if monitor.active else []
            artifact_id, metric = monitor.dataset_id or monitor.deployment_id, monitor.metric
        else:
            if item.artifact_id not in known_artifacts or not item.metric:
                raise DomainError(
                    f"observations[{index}].artifact: name a monitor, or an artifact of this "
                    "organization and a metric.",
                    field=f"observations[{index}].artifact",
                )
            artifact_id, metric = item.artifact_id, item.metric
            judges = judges_of.get((artifact_id, metric), [])
        value = float(item.value)
        row = {
            "organization_id": org.id,
            "artifact_id": artifact_id,
            "monitor_id": None,
            "metric": metric,
            "value": value,
            "observed_at": item.observed_at,
            "breached": None,
            "source": source,
            "lineage_event_id": lineage_event_id,
            "received_at": now,
        }
        if not judges:
            rows.append(row)
            continue
        for judge in judges:
            breached = not comparator_holds(judge.comparator, value, judge.threshold)
            if breached:
                result.breaches += 1
                breaching.add(judge.id)
                result.breaching_keys.add(judge.key)
            rows.append({**row, "monitor_id": judge.id, "breached": breached})
    if rows:
        # Core executemany on the table: one statement for the batch, no ORM object per row.
        db.session.execute(sa.insert(Observation.__table__), rows)
    result.received = len(items)
    return result
