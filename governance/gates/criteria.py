"""Exit criteria: evidence, owners and due dates, and waivers through a recorded decision."""

from __future__ import annotations

from datetime import date

from governance.database import utcnow
from governance.enums import CriterionStatus
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.gates.assessment import is_evaluated, subject_of
from governance.gates.checkpoints import log_decision
from governance.gates.models import ExitCriterion
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative

REFUSAL = "Your role in this organization does not allow updating exit criteria."

CRITERION_FIELDS = ["status", "evidence_url", "evidence_text", "owner_id", "due_on"]


def mark_met(
    criterion: ExitCriterion,
    by: User,
    *,
    evidence_url: str = "",
    evidence_text: str = "",
    expected_version: int | None = None,
) -> ExitCriterion:
    """Mark a criterion met with evidence: a link, a text, or both."""
    require(by, Action.CONTRIBUTE, criterion, REFUSAL)
    check_version(criterion, expected_version, CRITERION_FIELDS)
    if criterion.status == CriterionStatus.WAIVED:
        raise DomainError("This criterion was waived by a recorded decision; it cannot be met now.")
    if criterion.is_closed:
        raise DomainError(
            "This phase or stage gate is complete: its exit criteria can no longer change."
        )
    if is_evaluated(criterion):
        raise DomainError(
            "This criterion is evaluated from the tracked data: fix the failing records instead."
        )
    evidence_url, evidence_text = evidence_url.strip(), evidence_text.strip()
    if evidence_url and not evidence_url.lower().startswith(("https://", "http://")):
        raise DomainError(
            "The evidence link must start with https:// or http://.", field="evidence_url"
        )
    if not evidence_url and not evidence_text:
        raise DomainError(
            "Give the evidence: a link, a description, or both.", field="evidence_text"
        )
    criterion.status = CriterionStatus.MET
    criterion.evidence_url = evidence_url
    criterion.evidence_text = evidence_text
    criterion.met_by_id = by.id
    criterion.met_at = utcnow()
    db.session.flush()
    return criterion


def reopen(
    criterion: ExitCriterion, by: User, expected_version: int | None = None
) -> ExitCriterion:
    require(by, Action.CONTRIBUTE, criterion, REFUSAL)
    check_version(criterion, expected_version, CRITERION_FIELDS)
    if criterion.is_closed:
        raise DomainError(
            "This phase or stage gate is complete: its exit criteria can no longer change."
        )
    if criterion.status != CriterionStatus.MET:
        raise DomainError("Only a met criterion can be reopened.")
    criterion.status = CriterionStatus.OPEN
    criterion.met_by_id = None
    criterion.met_at = None
    db.session.flush()
    return criterion


def plan(
    criterion: ExitCriterion,
    by: User,
    *,
    owner_id: int | None,
    due_on: date | None,
    expected_version: int | None,
) -> ExitCriterion:
    require(by, Action.CONTRIBUTE, criterion, REFUSAL)
    check_version(criterion, expected_version, CRITERION_FIELDS)
    criterion.owner_id = owner_id
    criterion.due_on = due_on
    db.session.flush()
    return criterion


def waive(
    criterion: ExitCriterion,
    by: User,
    *,
    reason: str,
    accepted_risk: str,
    expected_version: int | None = None,
) -> ExitCriterion:
    """Waive an exit criterion by recording a decision (reason, who, accepted risk)."""
    check_version(criterion, expected_version, ["status", "evidence_url", "evidence_text"])
    require(
        by,
        Action.DECIDE,
        criterion,
        "Only a leader, PMO or admin of this organization can waive a criterion.",
    )
    if criterion.is_closed:
        raise DomainError("This gate is already passed: its exit criteria can no longer change.")
    if criterion.status == CriterionStatus.WAIVED:
        raise DomainError("This criterion is already waived.")
    if criterion.status == CriterionStatus.MET and not is_evaluated(criterion):
        raise DomainError("This criterion is already met with evidence: there is nothing to waive.")
    reason, accepted_risk = reason.strip(), accepted_risk.strip()
    if not reason:
        raise DomainError("Say why the criterion can be waived.", field="reason")
    if not accepted_risk:
        raise DomainError("Say which risk the organization accepts by waiving it.", field="risk")
    initiative = db.session.get(Initiative, criterion.initiative_id)
    assert initiative is not None
    subject = subject_of(criterion.phase, criterion.stage_gate, initiative)
    decision = log_decision(
        initiative,
        by,
        kind="waiver",
        title=f"Waive “{criterion.title}”"[:200],
        context=f"Exit criterion “{criterion.title}” of {subject} is not met.",
        decision=f"Waive the exit criterion “{criterion.title}”: it no longer gates {subject}.",
        rationale=reason,
        consequences=f"Accepted risk: {accepted_risk}",
        phase=criterion.phase,
        details={
            "criterion_id": criterion.id,
            "criterion_key": criterion.key,
            "criterion_title": criterion.title,
            "subject": subject,
            "reason": reason,
            "accepted_risk": accepted_risk,
        },
    )
    criterion.status = CriterionStatus.WAIVED
    criterion.waived_by_decision_id = decision.id
    db.session.flush()
    return criterion
