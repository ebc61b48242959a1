"""What the portfolio and organization pages show, aggregated in SQL.

Each function is one query whatever the number of organizations or initiatives, so a page's
query count does not grow with the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from governance import rollups
from governance.enums import CriterionStatus, PhaseKind, PhaseStatus
from governance.extensions import db
from governance.models import (
    Engagement,
    ExitCriterion,
    Initiative,
    Organization,
    Phase,
    Program,
    User,
)

DONE = len(PhaseKind) + 1  # position past the last phase: every phase complete
# Inline, not a bind parameter: PostgreSQL must see the same GROUP BY expression as selected.
DONE_SQL: sa.ColumnElement[int] = sa.literal_column(str(DONE), sa.Integer())


def current_phase_positions(org_ids: list[int] | None = None) -> sa.Subquery:
    """initiative_id -> position of its first phase not complete.

    Pass the organizations the page shows: without them the subquery groups every phase of
    the installation, whatever the outer query then keeps.
    """
    query = (
        sa.select(Phase.initiative_id, sa.func.min(Phase.position).label("position"))
        .where(Phase.status != PhaseStatus.COMPLETE)
        .group_by(Phase.initiative_id)
    )
    if org_ids is not None:
        query = query.where(Phase.organization_id.in_(org_ids))
    return query.subquery()


def visible_organizations(org_ids: list[int] | None) -> list[Organization]:
    query = sa.select(Organization).order_by(Organization.name)
    if org_ids is not None:
        query = query.where(Organization.id.in_(org_ids))
    return list(db.session.scalars(query))


@dataclass
class OrganizationSummary:
    organization: Organization
    engagement: Engagement | None = None
    programs: int = 0
    initiatives: int = 0
    by_phase: dict[int, int] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    overdue_criteria: int = 0
    open_criteria: int = 0


@dataclass
class _Counts:
    programs: int = 0
    initiatives: int = 0
    by_phase: dict[int, int] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    overdue_criteria: int = 0
    open_criteria: int = 0


def organization_summaries(orgs: list[Organization], today: date) -> list[OrganizationSummary]:
    ids = [org.id for org in orgs]
    if not ids:
        return []
    summaries = {org.id: OrganizationSummary(org) for org in orgs}
    # Live, not cached: the leader's name belongs to no organization's data version.
    for engagement in db.session.scalars(
        sa.select(Engagement)
        .where(Engagement.organization_id.in_(ids))
        .options(sa.orm.joinedload(Engagement.leader))
        .order_by(Engagement.starts_on)
    ):
        summaries[engagement.organization_id].engagement = engagement
    counts = rollups.per_organization(
        "summary", ids, today, lambda stale: _summary_counts(stale, today), _Counts
    )
    for org_id, summary in summaries.items():
        c = counts[org_id]
        summary.programs, summary.initiatives = c.programs, c.initiatives
        summary.by_phase, summary.by_stage = c.by_phase, c.by_stage
        summary.open_criteria, summary.overdue_criteria = c.open_criteria, c.overdue_criteria
    return [summaries[org.id] for org in orgs]


def _summary_counts(ids: list[int], today: date) -> dict[int, _Counts]:
    out: dict[int, _Counts] = defaultdict(_Counts)
    for org_id, count in db.session.execute(
        sa.select(Program.organization_id, sa.func.count())
        .where(Program.organization_id.in_(ids))
        .group_by(Program.organization_id)
    ):
        out[org_id].programs = count
    cur = current_phase_positions(ids)
    # A literal, not a bound parameter: PostgreSQL must see the SELECT and GROUP BY expressions
    # as the same one.
    position_or_done = sa.func.coalesce(cur.c.position, DONE_SQL)
    for org_id, position, stage, count in db.session.execute(
        sa.select(Initiative.organization_id, position_or_done, Initiative.stage, sa.func.count())
        .outerjoin(cur, cur.c.initiative_id == Initiative.id)
        .where(Initiative.organization_id.in_(ids))
        .group_by(Initiative.organization_id, position_or_done, Initiative.stage)
    ):
        c = out[org_id]
        c.initiatives += count
        c.by_phase[position] = c.by_phase.get(position, 0) + count
        c.by_stage[str(stage)] = c.by_stage.get(str(stage), 0) + count
    open_in_active_phase = (
        sa.select(
            ExitCriterion.organization_id,
            sa.func.count(),
            sa.func.sum(sa.case((ExitCriterion.due_on < today, 1), else_=0)),
        )
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(
            ExitCriterion.organization_id.in_(ids),
            ExitCriterion.status == CriterionStatus.OPEN,
            Phase.status.in_([PhaseStatus.IN_PROGRESS, PhaseStatus.IN_REVIEW]),
        )
        .group_by(ExitCriterion.organization_id)
    )
    for org_id, open_count, overdue in db.session.execute(open_in_active_phase):
        out[org_id].open_criteria = open_count
        out[org_id].overdue_criteria = int(overdue or 0)
    return out


@dataclass
class CriterionRow:
    id: int
    title: str
    due_on: date | None
    organization_slug: str
    organization_name: str
    initiative_id: int
    initiative_name: str
    phase_kind: str
    owner_name: str | None


def _criterion_rows(where: list[Any], limit: int, per_organization: bool = False) -> Any:
    """Open criteria of active phases, soonest due first; with `per_organization`, the first
    `limit` of each organization (a window), as (organization id, row) pairs."""
    owner = sa.orm.aliased(User)
    order = (ExitCriterion.due_on.is_(None), ExitCriterion.due_on, ExitCriterion.id)
    columns = [
        ExitCriterion.id,
        ExitCriterion.title,
        ExitCriterion.due_on,
        Organization.slug,
        Organization.name,
        Initiative.id,
        Initiative.name,
        Phase.kind,
        owner.name,
    ]
    query: Any = (
        sa.select(*columns)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .join(Initiative, Initiative.id == Phase.initiative_id)
        .join(Organization, Organization.id == ExitCriterion.organization_id)
        .outerjoin(owner, owner.id == ExitCriterion.owner_id)
        .where(
            ExitCriterion.status == CriterionStatus.OPEN,
            Phase.status.in_([PhaseStatus.IN_PROGRESS, PhaseStatus.IN_REVIEW]),
            *where,
        )
    )
    if not per_organization:
        return [
            CriterionRow(*row) for row in db.session.execute(query.order_by(*order).limit(limit))
        ]
    rank = sa.func.row_number().over(partition_by=ExitCriterion.organization_id, order_by=order)
    ranked = query.add_columns(ExitCriterion.organization_id.label("org_id"), rank.label("rank"))
    sub = ranked.subquery()
    rows = db.session.execute(sa.select(sub).where(sub.c.rank <= limit)).all()
    return [(row[-2], CriterionRow(*row[:-2])) for row in rows]


def _sort_key(row: CriterionRow) -> tuple[bool, date, int]:
    return (row.due_on is None, row.due_on or date.max, row.id)


def overdue_criteria(org_ids: list[int] | None, today: date, limit: int = 20) -> list[CriterionRow]:
    """The `limit` most overdue open criteria across the organizations: each organization's
    first `limit` are a roll-up (recomputed when its data changes), merged here."""

    def compute(stale: list[int]) -> dict[int, list[CriterionRow]]:
        where = [ExitCriterion.due_on < today, ExitCriterion.organization_id.in_(stale)]
        out: dict[int, list[CriterionRow]] = defaultdict(list)
        for org_id, row in _criterion_rows(where, limit, per_organization=True):
            out[org_id].append(row)
        return out

    per_org = rollups.per_organization("overdue", org_ids, today, compute, list)
    merged = [row for rows in per_org.values() for row in rows]
    return sorted(merged, key=_sort_key)[:limit]


def criteria_waiting_on(
    user: User, org_ids: list[int] | None, limit: int = 20
) -> list[CriterionRow]:
    where: list[Any] = [ExitCriterion.owner_id == user.id]
    if org_ids is not None:
        where.append(ExitCriterion.organization_id.in_(org_ids))
    return _criterion_rows(where, limit)


@dataclass
class InitiativeRow:
    initiative: Initiative
    phases: dict[int, Phase]
    current_position: int


def initiative_matrix(org: Organization) -> dict[int, list[InitiativeRow]]:
    """program_id -> its initiatives with their seven phases (two queries)."""
    initiatives = list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.organization_id == org.id)
            .options(sa.orm.joinedload(Initiative.owner))
            .order_by(Initiative.name)
        )
    )
    phases: dict[int, dict[int, Phase]] = defaultdict(dict)
    if initiatives:
        for phase in db.session.scalars(sa.select(Phase).where(Phase.organization_id == org.id)):
            phases[phase.initiative_id][phase.position] = phase
    rows: dict[int, list[InitiativeRow]] = defaultdict(list)
    for initiative in initiatives:
        own = phases[initiative.id]
        current = min(
            (pos for pos, p in own.items() if p.status != PhaseStatus.COMPLETE), default=DONE
        )
        rows[initiative.program_id].append(InitiativeRow(initiative, own, current))
    return rows


def programs_of(org: Organization) -> list[Program]:
    return list(
        db.session.scalars(
            sa.select(Program)
            .where(Program.organization_id == org.id)
            .options(sa.orm.joinedload(Program.owner))
            .order_by(Program.name)
        )
    )


def members_of(org: Organization) -> list[tuple[User, str]]:
    from governance.models import Membership

    rows = db.session.execute(
        sa.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id)
        .order_by(User.name)
    )
    return [(user, str(role)) for user, role in rows]


def checkpoints_waiting_on(user: User, today: date, limit: int = 20) -> list[Any]:
    """Pending checkpoints the user may decide, oldest first (see queries/checkpoints.py)."""
    from governance.queries.checkpoints import review_queue  # noqa: PLC0415

    return review_queue(user, today, limit=limit)
