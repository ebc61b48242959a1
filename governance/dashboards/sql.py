"""SQL building blocks the dashboards' queries share."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import sqlalchemy as sa


def in_organizations(column: Any, org_ids: list[int] | None) -> Any:
    return sa.true() if org_ids is None else column.in_(org_ids)


def date_table(values: list[Any], type_: Any, name: str) -> sa.Subquery:
    """A bounded list of dates as a one-column table (portable: a UNION ALL of literals)."""
    selects = [sa.select(sa.literal(v, type_).label("at")) for v in values]
    return sa.union_all(*selects).subquery(name)


def month_ends(today: date, months: int) -> list[date]:
    ends = []
    year, month = today.year, today.month
    for _ in range(months - 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(ends), today]


def as_date(value: Any) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def seconds_between(start: Any, end: Any) -> Any:
    """`end − start` in seconds as a SQL expression, NULL when either is NULL.

    SQLite has no interval type: `julianday` gives fractional days (microseconds kept, where
    `strftime('%s')` would drop them); PostgreSQL subtracts timestamps into an interval."""
    from governance.extensions import db

    if db.session.get_bind().dialect.name == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
    return sa.extract("epoch", end - start)


def month_of(column: Any) -> Any:
    """The calendar month (UTC) of a timestamp column as 'YYYY-MM'."""
    from governance.extensions import db

    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(column, "YYYY-MM")
