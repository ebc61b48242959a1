"""Checkpoints: request a review of a phase's completion or a stage promotion, decide it, and
review a stale approval again. One place for the gate rules, used by web, API, CLI and seed.

- A phase completes only through an approved checkpoint (the order phases and stages advance
  in is `phases.py`'s to say).
- A checkpoint can be requested, and approved, only while every exit criterion is met or waived.
- Requested by a contributor or up; decided by a leader, PMO or admin who is not the requester
  (`permissions.can` decides who may; the operations ask it).
- Every outcome writes a decision to the log; an approval freezes the criteria it approved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

# What pages offer for checkpoints is asked of the same rules: registered with `offer` there.
import governance.gates.offers  # noqa: F401
from governance.database import utcnow
from governance.decisions.models import Decision
from governance.decisions.operations import record_decision
from governance.enums import (
    PHASE_TITLES,
    CheckpointKind,
    CheckpointStatus,
    PhaseStatus,
    StageGateStatus,
)
from governance.errors import AlreadyDecided, DomainError
from governance.extensions import db
from governance.gates.approvals import (
    approval_state,
    approvers_needed,
    approving_decision,
    snapshot,
    snapshot_sha256,
)
from governance.gates.assessment import assess, open_criteria_message, subject_of
from governance.gates.models import Checkpoint, Phase, StageGate
from governance.gates.phases import check_phase_order, check_stage_order, complete, pass_gate
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative

REQUEST_REFUSAL = "Your role in this organization does not allow requesting a checkpoint."

OUTCOMES = {
    CheckpointStatus.APPROVED: "approved",
    CheckpointStatus.REJECTED: "rejected",
    CheckpointStatus.CHANGES_REQUESTED: "sent back with changes requested",
}


def log_decision(
    initiative: Initiative,
    author: User,
    *,
    kind: str,
    title: str,
    context: str,
    decision: str,
    rationale: str = "",
    consequences: str = "",
    phase: Phase | None = None,
    checkpoint: Checkpoint | None = None,
    supersedes: Decision | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Decision:
    """The one place this area writes to the decision log."""
    return record_decision(
        initiative.organization,
        author,
        title=title,
        context=context,
        decision=decision,
        rationale=rationale,
        consequences=consequences,
        initiative=initiative,
        phase=phase,
        checkpoint_id=checkpoint.id if checkpoint is not None else None,
        supersedes=supersedes,
        kind=kind,
        details=details or {},
        created_at=at,
        by_workflow=True,
    )


def _locked(model: type[Any], object_id: int) -> Any:
    """Re-read a row under SELECT ... FOR UPDATE so two reviewers cannot both act on it."""
    return db.session.scalar(
        sa.select(model)
        .where(model.id == object_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _pending_on(**where: Any) -> Checkpoint | None:
    query = sa.select(Checkpoint).where(Checkpoint.status == CheckpointStatus.PENDING)
    for column, value in where.items():
        query = query.where(getattr(Checkpoint, column) == value)
    return db.session.scalar(query)


def _already_waiting(pending: Checkpoint | None, subject: str) -> DomainError:
    who = f" by {pending.requested_by.name} on {pending.requested_at:%d %b %Y}" if pending else ""
    return DomainError(
        f"A checkpoint for {subject} is already waiting for review (requested{who})."
    )


def request_phase_checkpoint(
    phase: Phase, by: User, note: str, *, at: datetime | None = None
) -> Checkpoint:
    """Ask for a review of the phase's completion: only the current phase, every criterion met."""
    require(by, Action.REQUEST_CHECKPOINT, phase, REQUEST_REFUSAL)
    phase = _locked(Phase, phase.id)
    initiative = phase.initiative
    subject = subject_of(phase, None, initiative)
    if phase.status == PhaseStatus.COMPLETE:
        raise DomainError(f"The {PHASE_TITLES[phase.kind]} phase is already complete.")
    if phase.status == PhaseStatus.IN_REVIEW:
        raise _already_waiting(_pending_on(phase_id=phase.id), subject)
    check_phase_order(phase)
    return _request(initiative, by, note, at, phase=phase)


def request_stage_gate_checkpoint(
    gate: StageGate, by: User, note: str, *, at: datetime | None = None
) -> Checkpoint:
    """Ask for a review of a stage promotion: the gate's own exit criteria must be met."""
    require(by, Action.REQUEST_CHECKPOINT, gate, REQUEST_REFUSAL)
    gate = _locked(StageGate, gate.id)
    initiative = gate.initiative
    subject = subject_of(None, gate, initiative)
    if gate.status == StageGateStatus.PASSED:
        raise DomainError(f"{initiative.name} was already promoted to {gate.to_stage}.")
    if gate.status == StageGateStatus.IN_REVIEW:
        raise _already_waiting(_pending_on(stage_gate_id=gate.id), subject)
    check_stage_order(gate)
    return _request(initiative, by, note, at, gate=gate)


def _request(
    initiative: Initiative,
    by: User,
    note: str,
    at: datetime | None,
    *,
    phase: Phase | None = None,
    gate: StageGate | None = None,
) -> Checkpoint:
    note = note.strip()
    if not note:
        raise DomainError(
            "Add a note for the reviewer: what is ready and where to look.", field="note"
        )
    criteria = phase.criteria if phase is not None else gate.criteria if gate else []
    refusal = open_criteria_message(assess(criteria, initiative))
    if refusal:
        raise DomainError(f"{refusal}. Meet or waive them before requesting the checkpoint.")
    checkpoint = Checkpoint(
        organization_id=initiative.organization_id,
        initiative_id=initiative.id,
        kind=CheckpointKind.PHASE if phase is not None else CheckpointKind.STAGE_GATE,
        phase=phase,
        stage_gate=gate,
        requested_by_id=by.id,
        requested_at=at or utcnow(),
        request_note=note,
    )
    db.session.add(checkpoint)
    if phase is not None:
        phase.status = PhaseStatus.IN_REVIEW
    if gate is not None:
        gate.status = StageGateStatus.IN_REVIEW
    db.session.flush()
    return checkpoint


def decide(
    checkpoint: Checkpoint,
    by: User,
    outcome: CheckpointStatus | str,
    comment: str,
    *,
    at: datetime | None = None,
) -> Checkpoint:
    """Approve, reject or request changes. Approval completes the phase (or promotes the stage)
    and starts the next phase; any other outcome returns the phase to in progress. When the
    checkpoint needs two approvers (approvals.approvers_needed), the first approval is kept
    on the checkpoint, which stays pending until a second, other person approves."""
    require(
        by,
        Action.DECIDE_CHECKPOINT,
        checkpoint,
        "Only a leader, PMO or admin of this organization can decide a checkpoint.",
    )
    try:
        outcome = CheckpointStatus(outcome)
    except ValueError:
        raise DomainError("Choose approve, reject or request changes.", field="outcome") from None
    if outcome not in OUTCOMES:
        raise DomainError("Choose approve, reject or request changes.", field="outcome")
    checkpoint = _locked(Checkpoint, checkpoint.id)
    if not checkpoint.is_pending:
        who = checkpoint.decided_by.name if checkpoint.decided_by else "someone"
        raise AlreadyDecided(
            f"This checkpoint was already {OUTCOMES[checkpoint.status]} by {who} "
            f"on {checkpoint.decided_at:%d %b %Y}."
        )
    if outcome == CheckpointStatus.APPROVED:
        # Read under the lock: of two approvals at once, the second sees the first.
        require(
            by,
            Action.APPROVE_CHECKPOINT,
            checkpoint,
            "Only a leader, PMO or admin of this organization can approve a checkpoint.",
        )
    comment = comment.strip()
    if outcome != CheckpointStatus.APPROVED and not comment:
        raise DomainError("Say why, so the team knows what to change.", field="comment")
    initiative = checkpoint.initiative
    states = assess(checkpoint.criteria, initiative)
    if outcome == CheckpointStatus.APPROVED:
        refusal = open_criteria_message(states)
        if refusal:
            raise DomainError(
                f"{refusal}. A phase completes only with every exit criterion met or waived: "
                "request changes instead, or wait until they are met."
            )
    now = at or utcnow()
    if now < checkpoint.requested_at:
        raise DomainError("A checkpoint cannot be decided before it was requested.")
    if (
        outcome == CheckpointStatus.APPROVED
        and checkpoint.first_approved_by_id is None
        and approvers_needed(checkpoint) == 2
    ):
        checkpoint.first_approved_by_id = by.id
        checkpoint.first_approved_at = now
        checkpoint.first_approval_comment = comment
        db.session.flush()
        return checkpoint
    first = checkpoint.first_approved_by if outcome == CheckpointStatus.APPROVED else None
    if outcome != CheckpointStatus.APPROVED:
        # Rejected or sent back: a later request starts its review over.
        checkpoint.first_approved_by_id = None
        checkpoint.first_approved_at = None
        checkpoint.first_approval_comment = ""
    checkpoint.status = outcome
    checkpoint.decided_by_id = by.id
    checkpoint.decided_at = now
    checkpoint.decision_comment = comment
    frozen = snapshot(states)
    entry = _log_outcome(checkpoint, by, frozen, first)
    checkpoint.decision_id = entry.id
    if outcome == CheckpointStatus.APPROVED:
        checkpoint.approved_snapshot_sha256 = snapshot_sha256(frozen)
        _advance(checkpoint, now)
    else:
        if checkpoint.phase is not None:
            checkpoint.phase.status = PhaseStatus.IN_PROGRESS
        if checkpoint.stage_gate is not None:
            checkpoint.stage_gate.status = StageGateStatus.OPEN
    db.session.flush()
    return checkpoint


def _advance(checkpoint: Checkpoint, now: datetime) -> None:
    if checkpoint.phase is not None:
        complete(checkpoint.phase, now)
    if checkpoint.stage_gate is not None:
        pass_gate(checkpoint.stage_gate, now)


def _log_outcome(
    checkpoint: Checkpoint, by: User, frozen: list[dict[str, Any]], first: User | None
) -> Decision:
    initiative = checkpoint.initiative
    subject = subject_of(checkpoint.phase, checkpoint.stage_gate, initiative)
    verb = OUTCOMES[checkpoint.status]
    comment = checkpoint.decision_comment
    if first is not None:
        verb = f"{verb} by {first.name} and {by.name}"
        first_comment = checkpoint.first_approval_comment
        comment = " ".join(
            part
            for part in (f"{first.name}: {first_comment}" if first_comment else "", comment)
            if part
        )
    return log_decision(
        initiative,
        by,
        kind=f"checkpoint_{checkpoint.status.value}",
        title=f"Checkpoint {verb}: {subject}"[:200],
        context=(
            f"{checkpoint.requested_by.name} requested a checkpoint for {subject} on "
            f"{checkpoint.requested_at:%d %b %Y}: {checkpoint.request_note}"
        ),
        decision=f"The checkpoint for {subject} was {verb}." + (f" {comment}" if comment else ""),
        rationale=comment,
        phase=checkpoint.phase,
        checkpoint=checkpoint,
        details={
            "checkpoint_id": checkpoint.id,
            "checkpoint_kind": checkpoint.kind.value,
            "outcome": checkpoint.status.value,
            "subject": subject,
            "requested_by_id": checkpoint.requested_by_id,
            "requested_at": checkpoint.requested_at.isoformat(),
            "decided_at": checkpoint.decided_at.isoformat() if checkpoint.decided_at else None,
            "criteria": frozen,
            "criteria_sha256": snapshot_sha256(frozen),
            **(
                {
                    "approvers": [
                        {"id": first.id, "name": first.name},
                        {"id": by.id, "name": by.name},
                    ],
                    "first_approved_at": checkpoint.first_approved_at.isoformat()
                    if checkpoint.first_approved_at
                    else None,
                }
                if first is not None
                else {}
            ),
        },
    )


# ---- approvals reviewed again ------------------------------------------------------------


def review_again(
    checkpoint: Checkpoint, by: User, comment: str, approved: list[dict[str, Any]] | None
) -> Checkpoint:
    """Confirm a stale approval against the facts as they are now (a new decision entry)."""
    require(
        by,
        Action.DECIDE_CHECKPOINT,
        checkpoint,
        "Only a leader, PMO or admin of this organization can review an approval.",
    )
    checkpoint = _locked(Checkpoint, checkpoint.id)
    state = approval_state(checkpoint, approved)
    if not state.stale:
        raise DomainError("Nothing changed since the approval: there is nothing to review again.")
    comment = comment.strip()
    if not comment:
        raise DomainError("Say why the approval still holds with these changes.", field="comment")
    initiative = checkpoint.initiative
    subject = subject_of(checkpoint.phase, checkpoint.stage_gate, initiative)
    frozen = snapshot(assess(checkpoint.criteria, initiative))
    previous = approving_decision(checkpoint)
    entry = log_decision(
        initiative,
        by,
        kind="checkpoint_reviewed_again",
        title=f"Approval reviewed again: {subject}"[:200],
        context="Since the approval: " + " ".join(state.changes),
        decision=f"The approval of {subject} still holds with the facts as they are now.",
        rationale=comment,
        phase=checkpoint.phase,
        checkpoint=checkpoint,
        supersedes=previous,
        details={
            "checkpoint_id": checkpoint.id,
            "subject": subject,
            "changes": state.changes,
            "criteria": frozen,
            "criteria_sha256": snapshot_sha256(frozen),
        },
    )
    checkpoint.decision_id = entry.id
    checkpoint.approved_snapshot_sha256 = snapshot_sha256(frozen)
    checkpoint.reviewed_again_at = utcnow()
    db.session.flush()
    return checkpoint
