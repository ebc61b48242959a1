"""Helpers the checkpoint tests share: satisfy a gate's criteria, count what changed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from governance.enums import CriterionStatus
from governance.extensions import db
from governance.models import AuditEvent, Decision, ExitCriterion, Initiative, User
from governance.operations import criteria as criteria_ops
from governance.operations.phases import is_evaluated


def own_every_phase(initiative: Initiative, owner: User) -> None:
    """Makes the evaluated rule `every_phase_has_owner` pass."""
    for phase in initiative.phases:
        phase.owner_id = owner.id
    db.session.flush()


def meet_all(criteria: list[ExitCriterion], by: User) -> None:
    """Meets every evidence-based criterion (evaluated ones pass on the data)."""
    for criterion in criteria:
        if criterion.status == CriterionStatus.OPEN and not is_evaluated(criterion):
            criteria_ops.mark_met(criterion, by, evidence_text=f"Evidence for {criterion.key}")


def fingerprint() -> tuple[int, int, bool]:
    """Audit events and decision entries so far, and whether the session holds changes."""
    audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    decisions = db.session.scalar(sa.select(sa.func.count()).select_from(Decision))
    pending = bool(db.session.new) or any(db.session.is_modified(o) for o in db.session.dirty)
    return int(audit or 0), int(decisions or 0), pending


def unchanged(before: tuple[int, int, bool]) -> bool:
    return fingerprint() == before and not before[2]


def form(outcome: str = "approved", comment: str = "", **extra: Any) -> dict[str, Any]:
    return {"outcome": outcome, "comment": comment, **extra}
