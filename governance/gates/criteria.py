"""Exit criteria: evidence, owners and due dates."""

from __future__ import annotations

from datetime import date

from governance.database import utcnow
from governance.enums import CriterionStatus
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.gates.models import ExitCriterion
from governance.gates.rules import load_rules
from governance.people.models import User
from governance.permissions import Action, require

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
    if criterion.rule and criterion.rule in load_rules():
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
