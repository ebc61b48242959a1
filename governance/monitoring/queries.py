"""What the observations say: when the current breach of a monitor began."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from governance.extensions import db
from governance.monitoring.models import Observation


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
