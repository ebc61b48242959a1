"""What the observations say: when the current breach of a monitor began; what the monitor
pages show (a deployment's monitors, a monitor's observations and incidents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from governance.extensions import db
from governance.incidents.models import Incident
from governance.lineage.models import LineageArtifact
from governance.monitoring.health import Reading, monitor_readings
from governance.monitoring.models import Monitor, Observation


def breach_started(monitor_id: int, before: datetime) -> datetime | None:
    """The first breaching observation of the breach still going on at `before`: the earliest
    breaching value after the last healthy one. None when the monitor was healthy (or silent)
    at `before`. Two indexed queries."""
    last = db.session.execute(
        sa.select(Observation.observed_at, Observation.breached)
        .where(Observation.monitor_id == monitor_id, Observation.observed_at <= before)
        .order_by(Observation.observed_at.desc(), Observation.id.desc())
        .limit(1)
    ).first()
    if last is None or not last.breached:
        return None
    last_healthy = db.session.scalar(
        sa.select(sa.func.max(Observation.observed_at)).where(
            Observation.monitor_id == monitor_id,
            Observation.observed_at <= before,
            Observation.breached.is_(False),
        )
    )
    query = sa.select(sa.func.min(Observation.observed_at)).where(
        Observation.monitor_id == monitor_id,
        Observation.observed_at <= before,
        Observation.breached.is_(True),
    )
    if last_healthy is not None:
        query = query.where(Observation.observed_at > last_healthy)
    return db.session.scalar(query)


# ---- what the monitor pages show -------------------------------------------------------------

OBSERVATIONS_PAGE = 50
INCIDENTS_SHOWN = 50


@dataclass(frozen=True)
class MonitorRow:
    monitor: Monitor
    reading: Reading


def deployment_monitors(deployment: LineageArtifact) -> list[MonitorRow]:
    """A deployment's monitors, by name, each with its state: two queries whatever the count."""
    monitors = list(
        db.session.scalars(
            sa.select(Monitor)
            .options(joinedload(Monitor.owner), joinedload(Monitor.dataset))
            .where(Monitor.deployment_id == deployment.id)
            .order_by(Monitor.name, Monitor.id)
        ).unique()
    )
    if not monitors:
        return []
    readings = monitor_readings(deployment.organization_id, [m.id for m in monitors])
    return [MonitorRow(m, readings[m.id]) for m in monitors]


@dataclass(frozen=True)
class ObservationPage:
    rows: list[Observation]
    next_after: int | None  # the cursor of the next page: the last observation's id
    bad_cursor: bool = False


def observations_page(monitor: Monitor, after: int | None) -> ObservationPage:
    """A monitor's observations, newest first, 50 a page. The cursor is an observation id;
    the page continues after it in (observed_at, id) order, so it holds when values arrive
    out of time order. One query, or two with a cursor."""
    query = sa.select(Observation).where(Observation.monitor_id == monitor.id)
    bad = False
    if after is not None:
        cursor = db.session.execute(
            sa.select(Observation.observed_at, Observation.id).where(
                Observation.id == after, Observation.monitor_id == monitor.id
            )
        ).first()
        if cursor is None:
            bad = True
        else:
            query = query.where(
                sa.or_(
                    Observation.observed_at < cursor.observed_at,
                    sa.and_(
                        Observation.observed_at == cursor.observed_at,
                        Observation.id < cursor.id,
                    ),
                )
            )
    rows = list(
        db.session.scalars(
            query.order_by(Observation.observed_at.desc(), Observation.id.desc()).limit(
                OBSERVATIONS_PAGE + 1
            )
        )
    )
    more = len(rows) > OBSERVATIONS_PAGE
    rows = rows[:OBSERVATIONS_PAGE]
    return ObservationPage(rows, rows[-1].id if more else None, bad)


def monitor_incidents(monitor: Monitor) -> list[Incident]:
    """The incidents the monitor opened, newest first (the latest 50)."""
    return list(
        db.session.scalars(
            sa.select(Incident)
            .where(Incident.monitor_id == monitor.id)
            .order_by(Incident.detected_at.desc(), Incident.id.desc())
            .limit(INCIDENTS_SHOWN)
        )
    )
