"""The dashboards' numbers, aggregated in SQL.

Every function here is one query (GROUP BY, window functions) whatever the number of
initiatives, assessments, measurements or risks, so a dashboard's query count is fixed.
Time series join a short, bounded list of dates (month or week ends) built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from governance import rollups
from governance.dashboards.sql import as_date, date_table, in_organizations, month_ends, rounded
from governance.extensions import db
from governance.maturity.models import Kpi, KpiMeasurement, MaturityAssessment, MaturityScore
from governance.portfolio.models import Initiative, Organization, Program


def ranked_assessments(org_ids: list[int] | None = None) -> sa.Subquery:
    """Every assessment (of these organizations) with its rank per initiative: 1 is the
    latest, 2 the one before. The filter belongs inside: the window ranks every row it sees."""
    return (
        sa.select(
            MaturityAssessment.id,
            MaturityAssessment.organization_id,
            MaturityAssessment.initiative_id,
            MaturityAssessment.assessed_on,
            sa.func.row_number()
            .over(
                partition_by=MaturityAssessment.initiative_id,
                order_by=(MaturityAssessment.assessed_on.desc(), MaturityAssessment.id.desc()),
            )
            .label("rank"),
        )
        .where(in_organizations(MaturityAssessment.organization_id, org_ids))
        .subquery("ranked")
    )


@dataclass
class RadarRow:
    dimension: str
    latest: float | None
    previous: float | None
    target: float | None
    initiatives: int


def maturity_radar(org_id: int) -> dict[str, RadarRow]:
    """Per dimension: mean of each initiative's latest score, of its previous one, and targets."""
    ranked = ranked_assessments([org_id])
    rows = db.session.execute(
        sa.select(
            MaturityScore.dimension,
            ranked.c.rank,
            sa.func.avg(MaturityScore.score),
            sa.func.avg(MaturityScore.target),
            sa.func.count(),
        )
        .join(ranked, ranked.c.id == MaturityScore.assessment_id)
        .where(ranked.c.organization_id == org_id, ranked.c.rank <= 2)
        .group_by(MaturityScore.dimension, ranked.c.rank)
    ).all()
    out: dict[str, RadarRow] = {}
    for dimension, rank, score, target, count in rows:
        row = out.setdefault(dimension, RadarRow(dimension, None, None, None, 0))
        if rank == 1:
            row.latest, row.target, row.initiatives = rounded(score), rounded(target), count
        else:
            row.previous = rounded(score)
    return out


def latest_maturity_by(group: str, org_ids: list[int] | None) -> list[tuple[Any, str, float]]:
    """(group key, dimension, mean latest score): group is 'program' (of one organization, its
    dashboard) or 'organization' (the portfolio: a roll-up per organization)."""
    if group == "program":
        return [(k, d, v) for _org, k, d, v in _latest_maturity(Program, org_ids or [])]

    def compute(stale: list[int]) -> dict[int, list[tuple[Any, str, float]]]:
        return rollups.by_organization(
            (org_id, (name, dimension, value))
            for org_id, name, dimension, value in _latest_maturity(Organization, stale)
        )

    today = datetime.now(UTC).date()
    per_org = rollups.per_organization("maturity", org_ids, today, compute, list)
    return sorted((row for rows in per_org.values() for row in rows), key=lambda r: r[0])


def _latest_maturity(model: Any, org_ids: list[int]) -> list[tuple[int, Any, str, float]]:
    ranked = ranked_assessments(org_ids)
    key: Any = model.name
    query = (
        sa.select(Initiative.organization_id, key, MaturityScore.dimension)
        .add_columns(sa.func.avg(MaturityScore.score))
        .join(ranked, ranked.c.id == MaturityScore.assessment_id)
        .join(Initiative, Initiative.id == ranked.c.initiative_id)
        .where(ranked.c.rank == 1, ranked.c.organization_id.in_(org_ids))
        .group_by(Initiative.organization_id, key, MaturityScore.dimension)
        .order_by(key)
    )
    if model is Program:
        query = query.join(Program, Program.id == Initiative.program_id)
    else:
        query = query.join(Organization, Organization.id == Initiative.organization_id)
    return [(o, k, d, rounded(v) or 0.0) for o, k, d, v in db.session.execute(query)]


def maturity_trend(org_id: int, today: date, months: int = 12) -> list[tuple[date, str, float]]:
    """(month end, dimension, mean score): each initiative's latest assessment as of that day."""
    ends = date_table(month_ends(today, months), sa.Date(), "month_end")
    asof = (
        sa.select(
            ends.c.at,
            MaturityAssessment.id,
            sa.func.row_number()
            .over(
                partition_by=(ends.c.at, MaturityAssessment.initiative_id),
                order_by=(MaturityAssessment.assessed_on.desc(), MaturityAssessment.id.desc()),
            )
            .label("rank"),
        )
        .join(MaturityAssessment, MaturityAssessment.assessed_on <= ends.c.at)
        .where(MaturityAssessment.organization_id == org_id)
        .subquery("asof")
    )
    rows = db.session.execute(
        sa.select(asof.c.at, MaturityScore.dimension, sa.func.avg(MaturityScore.score))
        .join(asof, asof.c.id == MaturityScore.assessment_id)
        .where(asof.c.rank == 1)
        .group_by(asof.c.at, MaturityScore.dimension)
        .order_by(asof.c.at)
    )
    return [(as_date(at), dimension, rounded(v) or 0.0) for at, dimension, v in rows]


@dataclass
class KpiRow:
    initiative: str
    name: str
    unit: str
    direction: str
    baseline: Decimal | None
    target: Decimal | None
    latest: Decimal | None
    measured_on: date | None
    measurements: int

    @property
    def progress(self) -> float | None:
        """Share of the way from baseline to target, in percent (100 = target reached)."""
        if None in (self.baseline, self.target, self.latest) or self.baseline == self.target:
            return None
        assert self.baseline is not None and self.target is not None and self.latest is not None
        return round(float((self.latest - self.baseline) / (self.target - self.baseline) * 100), 1)


def kpi_status(org_id: int) -> list[KpiRow]:
    """Every KPI with its latest measurement and how many it has (one query).

    Per KPI, its latest day and its count are read from the (kpi, day) unique index, and the
    latest measurement joined on them: a few index steps per KPI, where a window ranked all
    of the organization's measurements (bench/NOTES.md)."""
    latest = aliased(KpiMeasurement)
    of_this_kpi = KpiMeasurement.kpi_id == Kpi.id
    last_day = (
        sa.select(sa.func.max(KpiMeasurement.measured_on))
        .where(of_this_kpi)
        .correlate(Kpi)
        .scalar_subquery()
    )
    measured = (
        sa.select(sa.func.count()).select_from(KpiMeasurement).where(of_this_kpi).correlate(Kpi)
    ).scalar_subquery()
    rows = db.session.execute(
        sa.select(
            Initiative.name,
            Kpi.name,
            Kpi.unit,
            Kpi.direction,
            Kpi.baseline,
            Kpi.target,
            latest.value,
            latest.measured_on,
            measured,
        )
        .join(Initiative, Initiative.id == Kpi.initiative_id)
        .outerjoin(latest, sa.and_(latest.kpi_id == Kpi.id, latest.measured_on == last_day))
        .where(Kpi.organization_id == org_id, Initiative.organization_id == org_id)
        .order_by(Initiative.name, Kpi.id)
    )
    return [
        KpiRow(i, n, u, str(getattr(d, "value", d)), b, t, _dec(v), _date_or_none(on), c)
        for i, n, u, d, b, t, v, on, c in rows
    ]


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))


def _date_or_none(value: Any) -> date | None:
    return None if value is None else as_date(value)
