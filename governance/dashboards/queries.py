"""The dashboards' numbers, aggregated in SQL.

Every function here is one query (GROUP BY, window functions) whatever the number of
initiatives, assessments, measurements or risks, so a dashboard's query count is fixed.
Time series join a short, bounded list of dates (month or week ends) built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from governance import rollups
from governance.dashboards.sql import (
    in_organizations,
    month_ends,
    month_of,
    rounded,
    seconds_between,
)
from governance.database import UTCDateTime
from governance.decisions.models import Decision
from governance.enums import CriterionStatus, PhaseStatus, RiskStatus
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase
from governance.maturity.models import Kpi, KpiMeasurement, MaturityAssessment
from governance.maturity.rules import KPI_FRESH_DAYS
from governance.portfolio.models import Initiative, Organization, Program
from governance.portfolio.queries import DONE_SQL, current_phase_positions
from governance.risks.models import HIGH_RISK_SCORE, Risk

ACTIVE_RISK = (RiskStatus.OPEN, RiskStatus.MITIGATING, RiskStatus.ACCEPTED)


@dataclass
class PhaseCell:
    initiative_id: int
    initiative: str
    program: str
    position: int
    status: PhaseStatus
    criteria: int
    done: int


def phase_matrix(org_id: int) -> list[PhaseCell]:
    """Initiatives x phases: each phase's status and its exit criteria met or waived."""
    done = sa.case((ExitCriterion.state != CriterionStatus.OPEN, 1), else_=0)
    rows = db.session.execute(
        sa.select(
            Initiative.id,
            Initiative.name,
            Program.name,
            Phase.position,
            Phase.status,
            sa.func.count(ExitCriterion.id),
            sa.func.coalesce(sa.func.sum(done), 0),
        )
        .join(Initiative, Initiative.id == Phase.initiative_id)
        .join(Program, Program.id == Initiative.program_id)
        .outerjoin(ExitCriterion, ExitCriterion.phase_id == Phase.id)
        # The organization on every table joined: PostgreSQL then reads each by its index
        # instead of scanning every client's initiatives and programs (bench/NOTES.md).
        .where(
            Phase.organization_id == org_id,
            Initiative.organization_id == org_id,
            Program.organization_id == org_id,
        )
        .group_by(Initiative.id, Initiative.name, Program.name, Phase.position, Phase.status)
        .order_by(Program.name, Initiative.name, Initiative.id, Phase.position)
    )
    return [PhaseCell(*row) for row in rows]


def burndown(org_id: int, today: date, weeks: int = 26) -> list[tuple[date, int, int]]:
    """(week end, criteria in started phases, of which still open then), week by week.

    One pass over the organization's criteria: each is filed under the first week its phase
    had started by and the first week it was done by (met, or waived: done from the start),
    and only those (start week, done week) pairs, at most 27 x 28, leave the database; the
    weekly figures are running sums of them. (A join of every week with every criterion did
    the same work 26 times: bench/NOTES.md.)
    """
    ends = [today - timedelta(weeks=n) for n in reversed(range(weeks))]
    cutoffs = [datetime.combine(d + timedelta(days=1), time(), tzinfo=UTC) for d in ends]
    never = weeks + 1

    def week_of(moment: Any) -> Any:
        # The first week whose cutoff is after `moment`; `weeks` when none is.
        whens = [(moment < sa.literal(c, UTCDateTime()), n) for n, c in enumerate(cutoffs)]
        return sa.case(*whens, else_=weeks)

    started = week_of(Phase.started_at).label("started")
    done = sa.case(
        (ExitCriterion.state == CriterionStatus.WAIVED, 0),
        # Met, by evidence or by its rule (ExitCriterion.state): done since then, or from the
        # start when that moment is unknown (bulk-loaded history).
        (
            sa.and_(ExitCriterion.state == CriterionStatus.MET, ExitCriterion.met_since.is_(None)),
            0,
        ),
        (ExitCriterion.state == CriterionStatus.MET, week_of(ExitCriterion.met_since)),
        else_=never,
    ).label("done")
    pairs = db.session.execute(
        sa.select(started, done, sa.func.count())
        .select_from(ExitCriterion)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(Phase.organization_id == org_id, Phase.started_at.is_not(None))
        .group_by(started, done)
    ).all()
    out = []
    for week, end in enumerate(ends):
        counted = [(d, n) for s, d, n in pairs if s <= week]
        out.append((end, sum(n for _d, n in counted), sum(n for d, n in counted if d > week)))
    return out


def _days(start: Any, end: Any) -> Any:
    return seconds_between(start, end) / 86400.0


def phase_cycle_times(org_id: int) -> list[tuple[int, int, float, float, float]]:
    """(phase position, completed phases, mean, min, max days from start to completion)."""
    days = _days(Phase.started_at, Phase.completed_at)
    rows = db.session.execute(
        sa.select(
            Phase.position, sa.func.count(), sa.func.avg(days), sa.func.min(days), sa.func.max(days)
        )
        .where(
            Phase.organization_id == org_id,
            Phase.status == PhaseStatus.COMPLETE,
            Phase.started_at.is_not(None),
            Phase.completed_at.is_not(None),
        )
        .group_by(Phase.position)
        .order_by(Phase.position)
    )
    return [
        (p, n, rounded(a) or 0.0, rounded(lo) or 0.0, rounded(hi) or 0.0)
        for p, n, a, lo, hi in rows
    ]


def risk_matrix(org_ids: list[int] | None) -> list[tuple[int, int, int]]:
    """(likelihood, impact, active risks) for risks not closed: each organization's cells are
    a roll-up, summed here."""

    def compute(stale: list[int]) -> dict[int, list[tuple[int, int, int]]]:
        return rollups.by_organization(
            (org_id, (likelihood, impact, count))
            for org_id, likelihood, impact, count in db.session.execute(
                sa.select(Risk.organization_id, Risk.likelihood, Risk.impact, sa.func.count())
                .where(Risk.organization_id.in_(stale), Risk.status.in_(ACTIVE_RISK))
                .group_by(Risk.organization_id, Risk.likelihood, Risk.impact)
            )
        )

    today = datetime.now(UTC).date()
    per_org = rollups.per_organization("risks", org_ids, today, compute, list)
    totals: dict[tuple[int, int], int] = {}
    for rows in per_org.values():
        for likelihood, impact, count in rows:
            totals[(likelihood, impact)] = totals.get((likelihood, impact), 0) + count
    return [(lk, im, n) for (lk, im), n in sorted(totals.items())]


def progress_by_organization(org_ids: list[int] | None) -> list[tuple[str, str, int, int]]:
    """(organization slug, name, current phase position (8 = all done), initiatives)."""

    def compute(stale: list[int]) -> dict[int, list[tuple[str, str, int, int]]]:
        cur = current_phase_positions(stale)
        position = sa.func.coalesce(cur.c.position, DONE_SQL)
        return rollups.by_organization(
            (org_id, (slug, name, at, count))
            for org_id, slug, name, at, count in db.session.execute(
                sa.select(
                    Organization.id,
                    Organization.slug,
                    Organization.name,
                    position,
                    sa.func.count(Initiative.id),
                )
                .join(Initiative, Initiative.organization_id == Organization.id)
                .outerjoin(cur, cur.c.initiative_id == Initiative.id)
                .where(Organization.id.in_(stale))
                .group_by(Organization.id, Organization.slug, Organization.name, position)
            )
        )

    today = datetime.now(UTC).date()
    per_org = rollups.per_organization("progress", org_ids, today, compute, list)
    rows = [row for found in per_org.values() for row in found]
    return sorted(rows, key=lambda r: (r[1], r[0], r[2]))


@dataclass
class Attention:
    name: str
    overdue_criteria: int = 0
    stale_kpis: int = 0
    high_risks: int = 0
    unassessed: int = 0


def attention_by_organization(org_ids: list[int] | None, today: date) -> list[Attention]:
    """What is overdue or waiting, per organization (a roll-up each), in name order."""
    per_org = rollups.per_organization(
        "attention", org_ids, today, lambda stale: _attention(stale, today), lambda: Attention("")
    )
    return sorted((a for a in per_org.values() if a.name), key=lambda a: a.name)


def _attention(org_ids: list[int], today: date) -> dict[int, Attention]:
    """Four GROUP BY queries over the organizations given."""
    names = dict(
        db.session.execute(
            sa.select(Organization.id, Organization.name)
            .where(in_organizations(Organization.id, org_ids))
            .order_by(Organization.name)
        ).all()
    )
    out = {org_id: Attention(name) for org_id, name in names.items()}
    overdue = (
        sa.select(ExitCriterion.organization_id, sa.func.count())
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(
            in_organizations(ExitCriterion.organization_id, org_ids),
            ExitCriterion.state == CriterionStatus.OPEN,
            ExitCriterion.due_on < today,
            Phase.status.in_([PhaseStatus.IN_PROGRESS, PhaseStatus.IN_REVIEW]),
        )
        .group_by(ExitCriterion.organization_id)
    )
    last = (
        sa.select(Kpi.organization_id, Kpi.id, sa.func.max(KpiMeasurement.measured_on).label("m"))
        .outerjoin(KpiMeasurement, KpiMeasurement.kpi_id == Kpi.id)
        .where(in_organizations(Kpi.organization_id, org_ids))
        .group_by(Kpi.organization_id, Kpi.id)
        .subquery()
    )
    stale = (
        sa.select(last.c.organization_id, sa.func.count())
        .where(sa.or_(last.c.m.is_(None), last.c.m < today - timedelta(days=KPI_FRESH_DAYS)))
        .group_by(last.c.organization_id)
    )
    high = (
        sa.select(Risk.organization_id, sa.func.count())
        .where(
            in_organizations(Risk.organization_id, org_ids),
            Risk.status.in_([RiskStatus.OPEN, RiskStatus.MITIGATING]),
            Risk.likelihood * Risk.impact >= HIGH_RISK_SCORE,
        )
        .group_by(Risk.organization_id)
    )
    assessed = sa.select(MaturityAssessment.initiative_id).where(
        MaturityAssessment.assessed_on >= today - timedelta(days=180)
    )
    unassessed = (
        sa.select(Initiative.organization_id, sa.func.count())
        .where(
            in_organizations(Initiative.organization_id, org_ids), Initiative.id.not_in(assessed)
        )
        .group_by(Initiative.organization_id)
    )
    for query, attr in (
        (overdue, "overdue_criteria"),
        (stale, "stale_kpis"),
        (high, "high_risks"),
        (unassessed, "unassessed"),
    ):
        for org_id, count in db.session.execute(query):
            if org_id in out:
                setattr(out[org_id], attr, count)
    return out


def _month(column: Any) -> Any:
    return month_of(column)


def decisions_by_month(org_id: int, today: date, months: int = 12) -> list[tuple[str, str, int]]:
    """(YYYY-MM, kind of log entry, entries) over the last `months` months of the decision log."""
    first = month_ends(today, months)[0].replace(day=1)
    since = datetime.combine(first, time(), tzinfo=UTC)
    month = _month(Decision.created_at)
    rows = db.session.execute(
        sa.select(month, Decision.change, sa.func.count())
        .where(Decision.organization_id == org_id, Decision.created_at >= since)
        .group_by(month, Decision.change)
        .order_by(month)
    )
    return [(m, change, n) for m, change, n in rows]
