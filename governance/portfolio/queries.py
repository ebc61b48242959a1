"""What the portfolio and organization pages show, aggregated in SQL.

Each function is one query whatever the number of organizations or initiatives, so a page's
query count does not grow with the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa

from governance import rollups
from governance.database import utcnow
from governance.enums import CriterionStatus, PhaseKind, PhaseStatus, Severity, label
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase
from governance.gates.queries import review_queue
from governance.gates.rules import load_rules
from governance.people.models import Membership, User
from governance.portfolio.models import Engagement, Initiative, Organization, Program

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
class _Counts:
    """What the portfolio counts per organization: the roll-up kept in governance/rollups.py."""

    programs: int = 0
    initiatives: int = 0
    by_phase: dict[int, int] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    overdue_criteria: int = 0
    open_criteria: int = 0

    def copied(self) -> dict[str, Any]:
        """The fields, with fresh dicts: a page never changes the cached roll-up (and
        dataclasses.asdict deep-copies, too slow for every portfolio page: bench/NOTES.md)."""
        values = {f.name: getattr(self, f.name) for f in fields(_Counts)}
        return {name: dict(v) if isinstance(v, dict) else v for name, v in values.items()}


@dataclass(kw_only=True)
class OrganizationSummary(_Counts):
    organization: Organization
    engagement: Engagement | None = None
    # Operations, live (they move with the clock, not with a data version): the operations
    # page's MTTR over the last 90 days and its incidents open now by severity.
    mttr_minutes: float | None = None
    open_incidents: dict[Severity, int] = field(default_factory=dict)

    @property
    def open_incident_count(self) -> int:
        return sum(self.open_incidents.values())

    @property
    def worst_open_severity(self) -> Severity | None:
        return next((s for s in Severity if self.open_incidents.get(s)), None)


def organization_summaries(orgs: list[Organization], today: date) -> list[OrganizationSummary]:
    ids = [org.id for org in orgs]
    if not ids:
        return []
    counts = rollups.per_organization(
        "summary", ids, today, lambda stale: _summary_counts(stale, today), _Counts
    )
    summaries = {
        org.id: OrganizationSummary(organization=org, **counts[org.id].copied()) for org in orgs
    }
    # Live, not cached: the leader's name belongs to no organization's data version.
    for engagement in db.session.scalars(
        sa.select(Engagement)
        .where(Engagement.organization_id.in_(ids))
        .options(sa.orm.joinedload(Engagement.leader))
        .order_by(Engagement.starts_on)
    ):
        summaries[engagement.organization_id].engagement = engagement
    _operations(summaries)
    return [summaries[org.id] for org in orgs]


def _operations(summaries: dict[int, OrganizationSummary]) -> None:
    """MTTR (last 90 days) and open incidents of every organization: two queries."""
    from governance.incidents import metrics

    mttr, open_incidents = metrics.headline_by_organization(list(summaries), utcnow())
    for org_id, minutes in mttr.items():
        summaries[org_id].mttr_minutes = minutes
    for org_id, counts in open_incidents.items():
        summaries[org_id].open_incidents = counts


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
            ExitCriterion.state == CriterionStatus.OPEN,
            # Said of the phase too (the same organizations): its index, not a scan of them all.
            Phase.organization_id.in_(ids),
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
    organization_id: int  # what `offer` asks about: the actions listed with the criterion
    rule: str | None

    @property
    def evaluated(self) -> bool:
        """Decided by a registered rule (fixed in the tracked data, not marked met)."""
        return bool(self.rule) and self.rule in load_rules()


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
        ExitCriterion.organization_id,
        ExitCriterion.rule,
    ]
    query: Any = (
        sa.select(*columns)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .join(Initiative, Initiative.id == Phase.initiative_id)
        .join(Organization, Organization.id == ExitCriterion.organization_id)
        .outerjoin(owner, owner.id == ExitCriterion.owner_id)
        .where(
            ExitCriterion.state == CriterionStatus.OPEN,
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
        return rollups.by_organization(_criterion_rows(where, limit, per_organization=True))

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


MATRIX_PAGE_SIZE = 25


_STATUS_LABELS = {status: label(status) for status in PhaseStatus}


_NOT_STARTED = (PhaseStatus.NOT_STARTED.value, _STATUS_LABELS[PhaseStatus.NOT_STARTED])


@dataclass
class MatrixRow:
    """One initiative of the organization page's matrix, as plain values ready to print."""

    id: int
    name: str
    program_id: int
    stage: str
    stage_label: str
    risk_label: str
    cells: list[tuple[str, str]]  # per phase position 1..7: (status value, status label)


@dataclass
class MatrixPage:
    """One keyset page of the initiative matrix, ordered by program name then initiative name.

    `first`..`last` are the 1-based positions of the page's rows among `total`;
    `next_after` / `previous_before` are the cursors of the next and previous pages (the id of
    the page's last / first initiative), None at either end; `unknown_cursor` says the cursor
    asked for is not an initiative of the list (stale or foreign link): the first page is shown.
    """

    rows: list[MatrixRow]
    total: int
    first: int
    last: int
    next_after: int | None
    previous_before: int | None
    unknown_cursor: bool = False

    def groups(self) -> list[tuple[int, list[MatrixRow]]]:
        """Consecutive rows of one program, in page order."""
        out: list[tuple[int, list[MatrixRow]]] = []
        for row in self.rows:
            if not out or out[-1][0] != row.program_id:
                out.append((row.program_id, []))
            out[-1][1].append(row)
        return out


def initiative_matrix_page(
    org: Organization,
    program_id: int | None = None,
    after: int | None = None,
    before: int | None = None,
    limit: int = MATRIX_PAGE_SIZE,
) -> MatrixPage:
    """A page of `limit` initiatives with their phases, in two queries whatever the size.

    The cursor is an initiative id: `after` starts the page just past it, `before` ends it just
    before it. The rows are numbered in SQL (program name, program id, initiative name, id), so
    one query finds the cursor's place, the page, its position and the total; a cursor outside
    the list falls back to the first page. Only the page's phases are loaded, as plain rows.
    """
    rows, total, start, cursor_known = _matrix_rows(org, program_id, after, before, limit)
    given = after is not None or before is not None
    unknown = given and not cursor_known
    if given and not rows:  # a cursor at either end of the list, or a list that shrank
        rows, total, start, _ = _matrix_rows(org, program_id, None, None, limit)
        unknown = True
    ids = [row.id for row in rows]
    cells: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
    if ids:
        for initiative_id, position, status in db.session.execute(
            sa.select(Phase.initiative_id, Phase.position, Phase.status).where(
                Phase.organization_id == org.id, Phase.initiative_id.in_(ids)
            )
        ):
            status = PhaseStatus(status)
            cells[initiative_id][position] = (status.value, _STATUS_LABELS[status])
    positions = range(1, len(PhaseKind) + 1)
    for row in rows:
        own = cells[row.id]
        row.cells = [own.get(position, _NOT_STARTED) for position in positions]
    last = start + len(rows) - 1
    return MatrixPage(
        rows=rows,
        total=total,
        first=start if rows else 0,
        last=last if rows else 0,
        next_after=rows[-1].id if rows and last < total else None,
        previous_before=rows[0].id if rows and start > 1 else None,
        unknown_cursor=unknown,
    )


def _matrix_rows(
    org: Organization,
    program_id: int | None,
    after: int | None,
    before: int | None,
    limit: int,
) -> tuple[list[MatrixRow], int, int, bool]:
    """(page rows without cells, total, position of the first row, whether the cursor is known)."""
    mode = "after" if after is not None else "before" if before is not None else "first"
    cursor = after if after is not None else before
    params = {"org_id": org.id, "program_id": program_id, "cursor": cursor, "limit": limit}
    query = _matrix_query(program_id is not None, mode)
    rows: list[MatrixRow] = []
    total, first, cursor_known = 0, 1, False
    for record in db.session.execute(query, params):
        if not rows:
            total, first = record.total, record.rn
            cursor_known = record.cursor_rn is not None
        rows.append(
            MatrixRow(
                id=record.id,
                name=record.name,
                program_id=record.program_id,
                stage=str(getattr(record.stage, "value", record.stage)),
                stage_label=label(record.stage),
                risk_label=label(record.risk_tier),
                cells=[],
            )
        )
    return rows, total, first, cursor_known


@cache
def _matrix_query(by_program: bool, mode: str) -> sa.Select[Any]:
    """The page query, built once per shape: only its parameters change between requests."""
    where: list[Any] = [Initiative.organization_id == sa.bindparam("org_id", type_=sa.Integer)]
    if by_program:
        where.append(Initiative.program_id == sa.bindparam("program_id", type_=sa.Integer))
    numbered = (
        sa.select(
            Initiative.id,
            Initiative.name,
            Initiative.program_id,
            Initiative.stage,
            Initiative.risk_tier,
            sa.func.row_number()
            .over(order_by=(Program.name, Program.id, Initiative.name, Initiative.id))
            .label("rn"),
            sa.func.count().over().label("total"),
        )
        .join(Program, Program.id == Initiative.program_id)
        .where(*where)
        .cte("numbered")
    )
    limit = sa.bindparam("limit", type_=sa.Integer)
    cursor_rn: sa.ColumnElement[Any]
    start: sa.ColumnElement[Any]
    if mode == "first":
        cursor_rn = sa.null()
        start = sa.literal_column("1", sa.Integer())
    else:
        cursor = sa.bindparam("cursor", type_=sa.Integer)
        cursor_rn = sa.select(numbered.c.rn).where(numbered.c.id == cursor).scalar_subquery()
        if mode == "after":
            start = sa.func.coalesce(cursor_rn + 1, 1)
        else:
            start = sa.case(
                (cursor_rn.is_(None), 1), (cursor_rn - limit < 1, 1), else_=cursor_rn - limit
            )
    # The page ends before the cursor when going back, even if fewer than `limit` precede it.
    end = sa.func.coalesce(cursor_rn, start + limit) if mode == "before" else start + limit
    return (
        sa.select(numbered, cursor_rn.label("cursor_rn"))
        .where(numbered.c.rn >= start, numbered.c.rn < end)
        .order_by(numbered.c.rn)
    )


@dataclass
class ProgramRow:
    id: int
    name: str
    description: str | None
    owner_name: str | None
    initiatives: int


def program_rows(org: Organization) -> list[ProgramRow]:
    """The organization's programs by name, with their owner and initiative count (one query)."""
    owner = sa.orm.aliased(User)
    count = (
        sa.select(sa.func.count())
        .where(Initiative.program_id == Program.id)
        .correlate(Program)
        .scalar_subquery()
    )
    query = (
        sa.select(Program.id, Program.name, Program.description, owner.name, count)
        .outerjoin(owner, owner.id == Program.owner_id)
        .where(Program.organization_id == org.id)
        .order_by(Program.name, Program.id)
    )
    return [ProgramRow(*row) for row in db.session.execute(query)]


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
    rows = db.session.execute(
        sa.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id)
        .order_by(User.name)
    )
    return [(user, str(role)) for user, role in rows]


def checkpoints_waiting_on(user: User, today: date, limit: int = 20) -> list[Any]:
    """Pending checkpoints the user may decide, oldest first (see governance/gates/queries.py)."""
    return review_queue(user, today, limit=limit)
