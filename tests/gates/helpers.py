"""Helpers the checkpoint tests share: satisfy a gate's criteria, count what changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.database import utcnow
from governance.decisions.models import Decision
from governance.decisions.operations import record_decision
from governance.enums import CheckpointKind, CheckpointStatus, CriterionStatus
from governance.extensions import db
from governance.gates import criteria as criteria_ops
from governance.gates.assessment import is_evaluated
from governance.gates.models import Checkpoint, ExitCriterion
from governance.gates.rules import evaluate
from governance.people.models import User
from governance.portfolio.models import Initiative


def own_every_phase(initiative: Initiative, owner: User) -> None:
    """Makes the evaluated rule `every_phase_has_owner` pass."""
    for phase in initiative.phases:
        phase.owner_id = owner.id
    db.session.flush()


# Evaluated criteria whose rule passes once a decision of this kind is recorded.
DECISION_KINDS = {
    "governance_expectations_decided": "governance_expectations",
    "roadmap_refined_decided": "roadmap_refinement",
}


def meet_all(criteria: list[ExitCriterion], by: User) -> None:
    """Meets every evidence-based criterion; records the decisions evaluated ones look for."""
    for criterion in criteria:
        if criterion.status != CriterionStatus.OPEN:
            continue
        if not is_evaluated(criterion):
            criteria_ops.mark_met(criterion, by, evidence_text=f"Evidence for {criterion.key}")
        elif criterion.rule in DECISION_KINDS and criterion.phase is not None:
            initiative = criterion.phase.initiative
            record_decision(
                initiative.organization,
                by,
                title=f"{criterion.title} for {initiative.name}",
                context="Agreed with the sponsor.",
                decision="As agreed.",
                initiative=initiative,
                phase=criterion.phase,
                kind=DECISION_KINDS[criterion.rule],
            )
        elif criterion.rule and not _passes(criterion):
            # Rules over other areas' records (lineage, assessments, KPIs) have their own
            # tests; here a leader waives them through a recorded decision, as people would.
            criteria_ops.waive(
                criterion,
                _a_leader_of(criterion),
                reason="Covered by a separate review for this test.",
                accepted_risk="None beyond the review's findings.",
            )


def _passes(criterion: ExitCriterion) -> bool:
    initiative = db.session.get(Initiative, criterion.initiative_id)
    assert initiative is not None and criterion.rule is not None
    return evaluate(criterion.rule, initiative).passed


def _a_leader_of(criterion: ExitCriterion) -> User:
    from governance.enums import Role
    from governance.people.models import Membership

    leader = db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organization_id == criterion.organization_id, Membership.role == Role.LEADER
        )
        .limit(1)
    )
    assert leader is not None
    return leader


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


def many_checkpoints(
    initiative: Initiative, requester: User, count: int, *, every: int = 3
) -> list[Checkpoint]:
    """`count` checkpoints over the initiative's phases, written directly (no gate rules):
    every `every`-th one approved, the others pending; requested at the same second in pairs so
    pages must order ties by id. Oldest first, as the lists show them."""
    start = utcnow() - timedelta(days=count)
    made = []
    for n in range(count):
        phase = initiative.phases[n % len(initiative.phases)]
        made.append(
            Checkpoint(
                organization_id=initiative.organization_id,
                initiative_id=initiative.id,
                kind=CheckpointKind.PHASE,
                phase_id=phase.id,
                status=CheckpointStatus.APPROVED if n % every == 0 else CheckpointStatus.PENDING,
                requested_by_id=requester.id,
                requested_at=start + timedelta(hours=n // 2),
                request_note=f"Request {n}",
            )
        )
    db.session.add_all(made)
    db.session.commit()
    return sorted(made, key=lambda c: (c.requested_at, c.id))
