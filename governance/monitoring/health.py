"""Each monitor's state from its latest observation: healthy, breaching, or silent (nothing
within its window). One query for any number of monitors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from governance.database import utcnow
from governance.extensions import db
from governance.monitoring.models import Monitor, Observation


class MonitorState(StrEnum):
    HEALTHY = "healthy"
    BREACHING = "breaching"
    SILENT = "silent"  # no observation within the monitor's window
    NEVER = "never"  # no observation at all yet


@dataclass(frozen=True)
class Reading:
    monitor_id: int
    state: MonitorState
    value: float | None = None
    observed_at: datetime | None = None


def monitor_readings(
    organization_id: int, monitor_ids: list[int] | None = None, now: datetime | None = None
) -> dict[int, Reading]:
    """Monitor id -> its reading, for the organization's monitors (or the ones named)."""
    now = now or utcnow()
    # Each monitor's latest observation through the (monitor_id, observed_at) index: a
    # correlated LIMIT 1 per monitor, not a window over all of the organization's telemetry.
    inner = aliased(Observation)
    latest_id = (
        sa.select(inner.id)
        .where(inner.monitor_id == Monitor.id)
        .order_by(inner.observed_at.desc(), inner.id.desc())
        .limit(1)
        .correlate(Monitor)
        .scalar_subquery()
    )
    monitors = sa.select(Monitor.id, Monitor.window_minutes, latest_id.label("latest_id")).where(
        Monitor.organization_id == organization_id
    )
    if monitor_ids is not None:
        monitors = monitors.where(Monitor.id.in_(monitor_ids))
    chosen = monitors.subquery()
    query = sa.select(
        chosen.c.id,
        chosen.c.window_minutes,
        Observation.value,
        Observation.observed_at,
        Observation.breached,
    ).outerjoin(Observation, Observation.id == chosen.c.latest_id)
    readings: dict[int, Reading] = {}
    for monitor_id, window, value, observed_at, breached in db.session.execute(query):
        if observed_at is None:
            state = MonitorState.NEVER
        elif breached:
            state = MonitorState.BREACHING
        elif now - observed_at > timedelta(minutes=window):
            state = MonitorState.SILENT
        else:
            state = MonitorState.HEALTHY
        readings[monitor_id] = Reading(monitor_id, state, value, observed_at)
    return readings
