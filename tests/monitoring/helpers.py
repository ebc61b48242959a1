"""Helpers of the monitoring tests: counting observations and SQL queries, adding values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from governance.extensions import db
from governance.monitoring import operations as ops
from governance.monitoring.models import Observation

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def observation_count(**where: Any) -> int:
    query = sa.select(sa.func.count()).select_from(Observation)
    for name, value in where.items():
        query = query.where(getattr(Observation, name) == value)
    return db.session.scalar(query) or 0


def add_observations(org, monitor, values: list[float], start: datetime = T0) -> None:
    items = [
        ops.ObservationInput(v, start + timedelta(minutes=i), monitor_key=monitor.key)
        for i, v in enumerate(values)
    ]
    ops.record_observations(org, None, items)
    db.session.commit()


class QueryCount:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args: Any) -> None:
        self.n += 1


def count_queries(run: Any) -> tuple[int, Any]:
    counter = QueryCount()
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        result = run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return counter.n, result
