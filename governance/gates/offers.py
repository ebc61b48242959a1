"""What pages offer for checkpoints: the rules `gates.checkpoints` enforces, asked before the
action (`permissions.offer`), so a button and the operation behind it say the same thing.

Read side: it changes nothing, so a query module may call `note_open_criteria`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from governance.enums import CriterionStatus, label
from governance.extensions import db
from governance.gates.assessment import assess, criteria_open
from governance.gates.models import Checkpoint, ExitCriterion, Phase, StageGate
from governance.people.models import User
from governance.permissions import Action, not_now
from governance.portfolio.models import Initiative

# Open criteria of the checkpoints a page lists, read in one query (`note_open_criteria`) so a
# list of 50 checkpoints asks `offer` 50 times without 50 queries. Forgotten at the next flush.
_OPEN_TITLES = "governance.open_criteria_titles"


def note_open_criteria(checkpoints: list[Checkpoint]) -> None:
    """Read, in one query, the titles of the criteria open now on each checkpoint's phase or
    stage gate (the stored state `assess` reads on a page that changed nothing). An empty
    list asks too: a page issues as many queries with no checkpoint as with fifty."""
    phases = {c.phase_id: c.id for c in checkpoints if c.phase_id is not None}
    gates = {c.stage_gate_id: c.id for c in checkpoints if c.stage_gate_id is not None}
    titles: dict[int, list[str]] = {c.id: [] for c in checkpoints}
    rows = db.session.execute(
        sa.select(ExitCriterion.phase_id, ExitCriterion.stage_gate_id, ExitCriterion.title)
        .where(
            ExitCriterion.state == CriterionStatus.OPEN,
            sa.or_(
                ExitCriterion.phase_id.in_(list(phases)),
                ExitCriterion.stage_gate_id.in_(list(gates)),
            ),
        )
        .order_by(ExitCriterion.position, ExitCriterion.id)
    )
    for phase_id, gate_id, title in rows:
        owner = phases.get(phase_id) if phase_id is not None else gates.get(gate_id or 0)
        if owner is not None:
            titles[owner].append(title)
    db.session.info.setdefault(_OPEN_TITLES, {}).update(titles)


@sa.event.listens_for(Session, "after_flush")
def _forget_open_titles(session: Session, context: Any) -> None:
    session.info.pop(_OPEN_TITLES, None)


def _open_titles(criteria: list[ExitCriterion], initiative: Initiative) -> list[str]:
    return [s.criterion.title for s in assess(criteria, initiative) if s.is_open]


@not_now(Action.REQUEST_CHECKPOINT)
def request_needs_every_criterion(user: User, subject: Any) -> str | None:
    """`_request`'s rule, asked before: '3 criteria open' (a phase or a stage gate)."""
    if not isinstance(subject, Phase | StageGate):
        return None
    return criteria_open(_open_titles(subject.criteria, subject.initiative))


@not_now(Action.APPROVE_CHECKPOINT)
def approval_needs_every_criterion(user: User, checkpoint: Any) -> str | None:
    """`decide`'s rule for an approval, asked before: '1 criterion open: <title>'."""
    if not isinstance(checkpoint, Checkpoint):
        return None
    if not checkpoint.is_pending:
        return f"This checkpoint was already decided ({label(checkpoint.status).lower()})."
    noted = db.session.info.get(_OPEN_TITLES, {}).get(checkpoint.id)
    titles = (
        noted if noted is not None else _open_titles(checkpoint.criteria, checkpoint.initiative)
    )
    return criteria_open(titles, named=True)
