"""How fast incidents are seen, answered and fixed, aggregated in SQL.

MTTD (mean time to detect) = detected − impact started, over every incident;
MTTA (mean time to acknowledge) = acknowledged − detected, over incidents acknowledged;
MTTR (mean time to restore) = resolved − detected, over incidents resolved.
All three in minutes, grouped by the calendar month (UTC) the incident was detected in.
Every function is one query whatever the number of incidents; no Flask here (the gate rule
"MTTR within target" calls `mttr_minutes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from governance.dashboards.sql import month_of, rounded, seconds_between
from governance.enums import IncidentStatus, Severity
from governance.extensions import db
from governance.incidents.models import Incident

# Listed, not `!= resolved`: the (organization, status) index then finds the few open ones.
OPEN_STATUSES = [s for s in IncidentStatus if s != IncidentStatus.RESOLVED]

# The headline tiles and the portfolio look this far back.
HEADLINE_DAYS = 90


@dataclass(frozen=True)
class Filters:
    """Narrow the figures to one initiative or one deployment (None: the whole organization)."""

    initiative_id: int | None = None
    deployment_id: int | None = None


ALL = Filters()


@dataclass(frozen=True)
class Times:
    """Incidents detected in a period and their mean times in minutes (None: none to average)."""

    incidents: int = 0
    acknowledged: int = 0
    resolved: int = 0
    mttd: float | None = None
    mtta: float | None = None
    mttr: float | None = None


def _minutes(start: Any, end: Any) -> Any:
    return seconds_between(start, end) / 60.0


def _times_columns() -> list[Any]:
    # AVG skips NULLs: an incident not yet acknowledged (resolved) is left out of MTTA (MTTR).
    return [
        sa.func.count(Incident.id),
        sa.func.count(Incident.acknowledged_at),
        sa.func.count(Incident.resolved_at),
        sa.func.avg(_minutes(Incident.impact_started_at, Incident.detected_at)),
        sa.func.avg(_minutes(Incident.detected_at, Incident.acknowledged_at)),
        sa.func.avg(_minutes(Incident.detected_at, Incident.resolved_at)),
    ]


def _times(row: Any) -> Times:
    n, acked, resolved, mttd, mtta, mttr = row
    return Times(int(n), int(acked), int(resolved), rounded(mttd), rounded(mtta), rounded(mttr))


def _filtered(query: Any, filters: Filters) -> Any:
    if filters.initiative_id is not None:
        query = query.where(Incident.initiative_id == filters.initiative_id)
    if filters.deployment_id is not None:
        query = query.where(Incident.deployment_id == filters.deployment_id)
    return query


def _detected_in(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(Incident.detected_at >= since)
    if until is not None:
        query = query.where(Incident.detected_at < until)
    return query


def mttr_minutes(organization_id: int, since: datetime, until: datetime) -> float | None:
    """Mean minutes from detection to resolution of the organization's resolved incidents
    detected in [since, until); None when none was resolved."""
    query = sa.select(sa.func.avg(_minutes(Incident.detected_at, Incident.resolved_at))).where(
        Incident.organization_id == organization_id, Incident.resolved_at.is_not(None)
    )
    return rounded(db.session.scalar(_detected_in(query, since, until)))


def times(
    organization_id: int, since: datetime | None, until: datetime | None, filters: Filters = ALL
) -> Times:
    """MTTD, MTTA and MTTR of the incidents detected in [since, until)."""
    query = sa.select(*_times_columns()).where(Incident.organization_id == organization_id)
    row = db.session.execute(_detected_in(_filtered(query, filters), since, until)).one()
    return _times(row)


def times_by_month(
    organization_id: int, since: datetime, filters: Filters = ALL
) -> dict[str, Times]:
    """'YYYY-MM' (month of detection) -> that month's times, for incidents detected since."""
    month = month_of(Incident.detected_at)
    query = (
        sa.select(month, *_times_columns())
        .where(Incident.organization_id == organization_id)
        .group_by(month)
    )
    rows = db.session.execute(_detected_in(_filtered(query, filters), since, None))
    return {m: _times(rest) for m, *rest in rows}


def times_by(
    organization_id: int, column: str, since: datetime | None, until: datetime | None
) -> dict[int | None, Times]:
    """Initiative or deployment id (`column`: "initiative_id" / "deployment_id") -> times."""
    key = getattr(Incident, column)
    query = (
        sa.select(key, *_times_columns())
        .where(Incident.organization_id == organization_id)
        .group_by(key)
    )
    rows = db.session.execute(_detected_in(query, since, until))
    return {k: _times(rest) for k, *rest in rows}


def severity_by_month(
    organization_id: int, since: datetime, filters: Filters = ALL
) -> dict[tuple[str, Severity], int]:
    """('YYYY-MM', severity) -> incidents detected that month with that severity."""
    month = month_of(Incident.detected_at)
    query = (
        sa.select(month, Incident.severity, sa.func.count())
        .where(Incident.organization_id == organization_id)
        .group_by(month, Incident.severity)
    )
    rows = db.session.execute(_detected_in(_filtered(query, filters), since, None))
    return {(m, Severity(s)): int(n) for m, s, n in rows}


def open_by_severity(org_ids: list[int], filters: Filters = ALL) -> dict[int, dict[Severity, int]]:
    """Organization id -> severity -> incidents open now (not resolved), in one query."""
    query = (
        sa.select(Incident.organization_id, Incident.severity, sa.func.count())
        .where(Incident.organization_id.in_(org_ids), Incident.status.in_(OPEN_STATUSES))
        .group_by(Incident.organization_id, Incident.severity)
    )
    out: dict[int, dict[Severity, int]] = {org_id: {} for org_id in org_ids}
    for org_id, severity, n in db.session.execute(_filtered(query, filters)):
        out[org_id][Severity(severity)] = int(n)
    return out


def worst(counts: dict[Severity, int]) -> Severity | None:
    """The worst severity with an incident (SEV1 before SEV2 ...), None when none."""
    return next((s for s in Severity if counts.get(s)), None)


def mttr_by_organization(
    org_ids: list[int], since: datetime, until: datetime
) -> dict[int, float | None]:
    """Organization id -> `mttr_minutes` over [since, until), every organization in one query."""
    rows = db.session.execute(
        sa.select(
            Incident.organization_id,
            sa.func.avg(_minutes(Incident.detected_at, Incident.resolved_at)),
        )
        .where(
            Incident.organization_id.in_(org_ids),
            Incident.resolved_at.is_not(None),
            Incident.detected_at >= since,
            Incident.detected_at < until,
        )
        .group_by(Incident.organization_id)
    )
    out: dict[int, float | None] = dict.fromkeys(org_ids)
    for org_id, mean in rows:
        out[org_id] = rounded(mean)
    return out


def headline_by_organization(
    org_ids: list[int], now: datetime
) -> tuple[dict[int, float | None], dict[int, dict[Severity, int]]]:
    """What the portfolio and the organizations API say of each client: MTTR over the last
    HEADLINE_DAYS and incidents open now by severity (two queries for any number)."""
    since = now - timedelta(days=HEADLINE_DAYS)
    return mttr_by_organization(org_ids, since, now), open_by_severity(org_ids)
