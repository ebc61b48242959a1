"""Each monitor's state from its latest observation: healthy, breaching, or silent (nothing
within its window). One query for any number of monitors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

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
    latest = (
        sa.select(
            Observation.monitor_id,
            Observation.value,
            Observation.observed_at,
            Observation.breached,
            sa.func.row_number()
            .over(
                partition_by=Observation.monitor_id,
                order_by=(Observation.observed_at.desc(), Observation.id.desc()),
            )
            .label("rank"),
        )
        .where(Observation.organization_id == organization_id, Observation.monitor_id.is_not(None))
        .subquery()
    )
    query = (
        sa.select(
            Monitor.id,
            Monitor.window_minutes,
            latest.c.value,
            latest.c.observed_at,
            latest.c.breached,
        )
        .outerjoin(latest, sa.and_(latest.c.monitor_id == Monitor.id, latest.c.rank == 1))
        .where(Monitor.organization_id == organization_id)
    )
    if monitor_ids is not None:
        query = query.where(Monitor.id.in_(monitor_ids))
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
