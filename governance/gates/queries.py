"""What the review queue, the checkpoint page and the initiative page show about gates.

The queue is one query whatever the number of organizations; rule-evaluated criteria are
evaluated only on the pages of one checkpoint or one initiative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from governance.decisions.models import Decision
from governance.enums import PHASE_TITLES, CheckpointStatus, CriterionStatus
from governance.extensions import db
from governance.gates.approvals import (
    ApprovalState,
    approval_state,
    approved_snapshot,
    approved_snapshots,
)
from governance.gates.assessment import CriterionState, RuleResults, assess, subject_of
from governance.gates.models import Checkpoint, ExitCriterion, Phase, StageGate
from governance.gates.offers import note_open_criteria
from governance.gates.rules import load_rules
from governance.people.models import User
from governance.permissions import checkpoints_to_decide
from governance.portfolio.models import Initiative, Organization


def working_days_between(start: date, end: date) -> int:
    """Monday-to-Friday days after `start` up to and including `end`."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    days = weeks * 5
    for offset in range(1, extra + 1):
        if (start + timedelta(days=offset)).weekday() < 5:
            days += 1
    return days


@dataclass
class QueueRow:
    checkpoint: Checkpoint
    organization: Organization
    initiative: Initiative
    requester: User
    subject: str
    age: int  # working days waiting
    target: int  # the organization's review target, in working days
    open_evidence_criteria: int  # evidence-based criteria open now (reopened since the request)

    @property
    def overdue(self) -> bool:
        return self.age > self.target


def _open_evidence_count() -> Any:
    """Per queue row, its gate's evidence-based criteria open now: two correlated counts, each
    on an indexed column (a phase's or a stage gate's), so only the listed gates are counted."""
    registered = list(load_rules())
    evidence_based = sa.or_(ExitCriterion.rule.is_(None), ExitCriterion.rule.notin_(registered))

    def count(column: Any, gate: Any) -> Any:
        return (
            sa.select(sa.func.count())
            .select_from(ExitCriterion)
            .where(column == gate, ExitCriterion.state == CriterionStatus.OPEN, evidence_based)
            .correlate(Checkpoint)
            .scalar_subquery()
        )

    return count(ExitCriterion.phase_id, Checkpoint.phase_id) + count(
        ExitCriterion.stage_gate_id, Checkpoint.stage_gate_id
    )


QUEUE_PAGE_SIZE = 50


@dataclass
class QueuePage:
    """One keyset page of a review queue list, oldest first."""

    rows: list[QueueRow]
    total: int  # every pending checkpoint of the list, not only this page's
    after: int | None  # the cursor this page starts after; None on the first page
    next_after: int | None  # the cursor of the next page; None on the last page
    bad_cursor: bool = False  # the cursor was not a checkpoint of this list: first page shown


def _queue_scope(
    user: User, mine: bool, organization_id: int | None = None, everyone: bool = False
) -> list[Any]:
    """Which checkpoints a list shows, whatever their status (a cursor may be decided since):
    the person's own requests, or those they may decide, or (`everyone`, one organization's
    list only) every checkpoint; within one organization when it is given."""
    if mine:
        scope = [Checkpoint.requested_by_id == user.id]
    elif everyone:
        if organization_id is None:
            raise ValueError("Every checkpoint is listed for one organization only.")
        scope = []
    else:
        scope = checkpoints_to_decide(user)
    if organization_id is not None:
        scope.append(Checkpoint.organization_id == organization_id)
    return scope


def after_checkpoint(cursor_id: int, *scope: Any) -> Any | None:
    """The keyset condition "(requested_at, id) after this checkpoint's", or None when the
    cursor is not a checkpoint within `scope` (one query)."""
    found = db.session.scalar(sa.select(Checkpoint.id).where(Checkpoint.id == cursor_id, *scope))
    if found is None:
        return None
    # The cursor's time is read in SQL, never round-tripped through Python (ties compare equal).
    cursor = aliased(Checkpoint)
    requested_at = sa.select(cursor.requested_at).where(cursor.id == cursor_id).scalar_subquery()
    return sa.or_(
        Checkpoint.requested_at > requested_at,
        sa.and_(Checkpoint.requested_at == requested_at, Checkpoint.id > cursor_id),
    )


def page_ids(where: list[Any], keyset: Any | None, limit: int) -> Any:
    """The ids of one keyset page of checkpoints, oldest request first, chosen on the checkpoint
    table alone. Callers join only these to what they show: joined before the LIMIT,
    PostgreSQL joined every matching checkpoint first (bench/NOTES.md)."""
    chosen = (
        sa.select(Checkpoint.id)
        .where(*where, *([keyset] if keyset is not None else []))
        .order_by(Checkpoint.requested_at, Checkpoint.id)
        .limit(limit)
    )
    return chosen.scalar_subquery()


def _queue_rows(
    scope: list[Any], today: date, keyset: Any | None, limit: int, *, to_decide: bool = True
) -> list[QueueRow]:
    requester = aliased(User)
    open_count = _open_evidence_count().label("open")
    chosen = page_ids([Checkpoint.status == CheckpointStatus.PENDING, *scope], keyset, limit)
    query = (
        sa.select(Checkpoint, Organization, Initiative, requester, open_count)
        .join(Organization, Organization.id == Checkpoint.organization_id)
        .join(Initiative, Initiative.id == Checkpoint.initiative_id)
        .join(requester, requester.id == Checkpoint.requested_by_id)
        .options(joinedload(Checkpoint.phase), joinedload(Checkpoint.stage_gate))
        .where(Checkpoint.id.in_(chosen))
        .order_by(Checkpoint.requested_at, Checkpoint.id)
    )
    rows = []
    for checkpoint, org, initiative, who, open_count in db.session.execute(query):
        rows.append(
            QueueRow(
                checkpoint,
                org,
                initiative,
                who,
                subject_of(checkpoint.phase, checkpoint.stage_gate, initiative),
                working_days_between(checkpoint.requested_at.date(), today),
                org.review_target_days,
                int(open_count or 0),
            )
        )
    if to_decide:  # what `offer` asks of each row's Approve…; one's own requests offer none
        note_open_criteria([row.checkpoint for row in rows])
    return rows


def review_queue(
    user: User, today: date, *, mine: bool = False, limit: int = 200
) -> list[QueueRow]:
    """Pending checkpoints the user may decide (oldest first), or, with `mine`, the ones they
    requested and wait on someone else."""
    return _queue_rows(_queue_scope(user, mine), today, None, limit, to_decide=not mine)


def review_queue_page(
    user: User,
    today: date,
    *,
    mine: bool = False,
    after: int | None = None,
    limit: int = QUEUE_PAGE_SIZE,
    organization_id: int | None = None,
    everyone: bool = False,
) -> QueuePage:
    """A keyset page of `review_queue`, with the list's total: three queries at most (the
    cursor's position, the page, one COUNT), whatever the number of checkpoints. With
    `organization_id`, the same list within one organization (its own review page)."""
    scope = _queue_scope(user, mine, organization_id, everyone)
    keyset = after_checkpoint(after, *scope) if after is not None else None
    bad_cursor = after is not None and keyset is None
    rows = _queue_rows(scope, today, keyset, limit + 1, to_decide=not mine)
    more = len(rows) > limit
    rows = rows[:limit]
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Checkpoint)
        .where(Checkpoint.status == CheckpointStatus.PENDING, *scope)
    )
    return QueuePage(
        rows,
        int(total or 0),
        after if keyset is not None else None,
        rows[-1].checkpoint.id if more else None,
        bad_cursor,
    )


# ---- one checkpoint ---------------------------------------------------------------------


@dataclass
class CheckpointPage:
    checkpoint: Checkpoint
    subject: str
    states: list[CriterionState]
    approval: ApprovalState
    decisions: list[Any]
    history: list[Checkpoint]
    age: int

    @property
    def open_titles(self) -> list[str]:
        return [s.criterion.title for s in self.states if s.is_open]


def linked_decisions(
    checkpoint_ids: list[int], waiver_ids: list[int], organization_id: int
) -> list[Any]:
    """Decision-log entries about these checkpoints, and the waivers of their criteria: of
    this organization's log only (an entry written before ids were checked may name another
    organization's checkpoint, and the log keeps it)."""
    if not checkpoint_ids and not waiver_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.organization_id == organization_id,
                sa.or_(
                    Decision.checkpoint_id.in_(checkpoint_ids or [-1]),
                    Decision.id.in_(waiver_ids or [-1]),
                ),
            )
            .order_by(Decision.seq)
        )
    )


def checkpoint_page(checkpoint: Checkpoint, today: date) -> CheckpointPage:
    initiative = checkpoint.initiative
    criteria = checkpoint.criteria
    known = RuleResults()
    states = assess(criteria, initiative, known=known)
    approval = approval_state(checkpoint, approved_snapshot(checkpoint), known)
    same_gate = (
        Checkpoint.phase_id == checkpoint.phase_id
        if checkpoint.phase_id is not None
        else Checkpoint.stage_gate_id == checkpoint.stage_gate_id
    )
    history = list(
        db.session.scalars(
            sa.select(Checkpoint)
            .where(same_gate, Checkpoint.id != checkpoint.id)
            .options(joinedload(Checkpoint.requested_by), joinedload(Checkpoint.decided_by))
            .order_by(Checkpoint.requested_at.desc())
        )
    )
    waivers = [c.waived_by_decision_id for c in criteria if c.waived_by_decision_id]
    decisions = linked_decisions(
        [checkpoint.id, *[h.id for h in history]], waivers, checkpoint.organization_id
    )
    end = checkpoint.decided_at.date() if checkpoint.decided_at else today
    return CheckpointPage(
        checkpoint,
        subject_of(checkpoint.phase, checkpoint.stage_gate, initiative),
        states,
        approval,
        decisions,
        history,
        working_days_between(checkpoint.requested_at.date(), end),
    )


# ---- the initiative page ---------------------------------------------------------------


@dataclass
class GateView:
    """A phase or a stage gate as the initiative page shows it."""

    title: str
    phase: Phase | None
    gate: StageGate | None
    states: list[CriterionState]
    pending: Checkpoint | None = None
    approvals: list[ApprovalState] = field(default_factory=list)

    @property
    def stale(self) -> list[ApprovalState]:
        return [a for a in self.approvals if a.stale]

    @property
    def open_count(self) -> int:
        return sum(1 for s in self.states if s.is_open)


@dataclass
class InitiativeGates:
    phases: dict[int, GateView]  # phase id -> view
    stage_gates: list[GateView]
    checkpoints: list[Checkpoint]
    states: dict[int, CriterionState]  # criterion id -> state, for every criterion shown


def stage_gates_of(initiative: Initiative) -> list[StageGate]:
    return list(
        db.session.scalars(
            db.select(StageGate)
            .where(StageGate.initiative_id == initiative.id)
            .order_by(StageGate.position)
        )
    )


def criteria_of(initiative: Initiative) -> list[tuple[ExitCriterion, Any]]:
    """(criterion, its phase's kind or None) for every exit criterion of the initiative, its
    phases' in order then its stage gates': one query."""
    rows = db.session.execute(
        sa.select(ExitCriterion, Phase.kind)
        .outerjoin(Phase, Phase.id == ExitCriterion.phase_id)
        .outerjoin(StageGate, StageGate.id == ExitCriterion.stage_gate_id)
        .where(
            ExitCriterion.organization_id == initiative.organization_id,
            sa.or_(Phase.initiative_id == initiative.id, StageGate.initiative_id == initiative.id),
        )
        .order_by(
            Phase.position.is_(None),
            Phase.position,
            StageGate.position,
            ExitCriterion.position,
            ExitCriterion.id,
        )
    )
    return [(criterion, kind) for criterion, kind in rows]


def initiative_gates(initiative: Initiative) -> InitiativeGates:
    """Every phase's and stage gate's criteria evaluated, checkpoints, and stale approvals."""
    checkpoints = list(
        db.session.scalars(
            sa.select(Checkpoint)
            .where(Checkpoint.initiative_id == initiative.id)
            .options(joinedload(Checkpoint.requested_by), joinedload(Checkpoint.decided_by))
            .order_by(Checkpoint.requested_at.desc(), Checkpoint.id.desc())
        )
    )
    phases = list(
        db.session.scalars(
            sa.select(Phase)
            .where(Phase.initiative_id == initiative.id)
            .options(selectinload(Phase.criteria))
            .order_by(Phase.position)
        )
    )
    gates = stage_gates_of(initiative)
    views: dict[int, GateView] = {}
    all_states: dict[int, CriterionState] = {}
    stage_views: list[GateView] = []
    # Every criterion of the page assessed at once: each rule evaluated once (a rule may gate a
    # phase and a stage gate) and the KPI thresholds in one batch, whatever their number.
    everything = [c for phase in phases for c in phase.criteria]
    everything += [c for gate in gates for c in gate.criteria]
    known = RuleResults()
    assessed = {s.criterion.id: s for s in assess(everything, initiative, known=known)}
    for phase in phases:
        phase_states = [assessed[c.id] for c in phase.criteria]
        views[phase.id] = GateView(PHASE_TITLES[phase.kind], phase, None, phase_states)
    for gate in gates:
        gate_states = [assessed[c.id] for c in gate.criteria]
        stage_views.append(GateView(gate.title, None, gate, gate_states))
    by_gate: dict[tuple[str, int | None], GateView] = {}
    for view in views.values():
        by_gate[("p", view.phase.id if view.phase else None)] = view
    for view in stage_views:
        by_gate[("g", view.gate.id if view.gate else None)] = view
    for view in [*views.values(), *stage_views]:
        all_states.update({s.criterion.id: s for s in view.states})
    frozen = approved_snapshots([c for c in checkpoints if c.status == CheckpointStatus.APPROVED])
    for checkpoint in checkpoints:
        key = ("p", checkpoint.phase_id) if checkpoint.phase_id else ("g", checkpoint.stage_gate_id)
        found = by_gate.get(key)
        if found is None:
            continue
        view = found
        if checkpoint.is_pending:
            view.pending = checkpoint
        elif checkpoint.status == CheckpointStatus.APPROVED:
            view.approvals.append(approval_state(checkpoint, frozen.get(checkpoint.id), known))
    return InitiativeGates(views, stage_views, checkpoints, all_states)
