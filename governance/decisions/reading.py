"""How a decision entry reads on its page: the badge that says what happened, and its
structured details (a checkpoint's frozen criteria, a waiver's criterion) as facts and a
table instead of JSON. Plain functions over the stored values; the names of the people the
details point at are looked up by the caller (queries.people_named) and handed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from governance.decisions.rules import SYSTEM_KIND_PREFIX
from governance.enums import DecisionStatus, label


@dataclass(frozen=True)
class Badge:
    words: str
    # A CSS class of the badges (static/app.css: .badge.d-*): green, amber, red or grey.
    tone: str


# What the workflow's kinds record, in the words of what happened. Such an entry is stored as
# "accepted" (the log accepts the outcome as a fact), so its status alone would show a green
# "Accepted" on a rejection: while it stands, the kind says what happened.
OUTCOME_BADGES = {
    f"{SYSTEM_KIND_PREFIX}approved": Badge("Checkpoint approved", "d-accepted"),
    f"{SYSTEM_KIND_PREFIX}rejected": Badge("Checkpoint rejected", "d-rejected"),
    f"{SYSTEM_KIND_PREFIX}changes_requested": Badge("Changes requested", "d-proposed"),
    f"{SYSTEM_KIND_PREFIX}reviewed_again": Badge("Approval confirmed", "d-accepted"),
    "waiver": Badge("Criterion waived", "d-proposed"),
}


def badge(kind: str, status: DecisionStatus) -> Badge:
    """The badge of an entry: the workflow's outcome while the entry stands (accepted), else
    its status (a person's decision, or an outcome later deprecated or superseded)."""
    if status == DecisionStatus.ACCEPTED and kind in OUTCOME_BADGES:
        return OUTCOME_BADGES[kind]
    return Badge(label(status), f"d-{status.value}")


def kind_label(kind: str) -> str | None:
    """The kind as a second badge, when the first one does not already say it."""
    if kind in OUTCOME_BADGES or kind == "general":
        return None
    return label(kind)


# ---- details -----------------------------------------------------------------------------

# How each known key reads: its label and its shape (how the page writes its value).
KNOWN = {
    "subject": ("Subject", "text"),
    "outcome": ("Outcome", "label"),
    "checkpoint_id": ("Checkpoint", "checkpoint"),
    "checkpoint_kind": ("Checkpoint kind", "label"),
    "requested_by_id": ("Requested by", "person"),
    "requested_at": ("Requested", "moment"),
    "first_approved_at": ("First approval", "moment"),
    "decided_at": ("Decided", "moment"),
    "approvers": ("Approved by", "people"),
    "criterion_title": ("Criterion", "text"),
    "criterion": ("Criterion", "text"),
    "criterion_key": ("Criterion key", "code"),
    "reason": ("Reason", "text"),
    "accepted_risk": ("Accepted risk", "text"),
    "expires": ("Expires", "day"),
    "changes": ("Changes since the approval", "list"),
    "criteria_sha256": ("SHA-256 of the criteria", "hash"),
}
# Kept out of the facts: shown as the table, or repeating another fact.
NOT_FACTS = {"criteria", "criterion_id"}


@dataclass(frozen=True)
class Fact:
    label: str
    value: Any
    shape: str  # text, label, code, checkpoint, person, people, moment, day, list, hash, json


@dataclass(frozen=True)
class CriterionRow:
    title: str
    status: str
    evidence_url: str | None
    evidence_text: str
    met_by: str | None
    met_at: str | None
    rule: str | None
    failing: list[str]
    waived_by_decision_id: int | None


@dataclass
class Details:
    facts: list[Fact] = field(default_factory=list)
    criteria: list[CriterionRow] | None = None

    def __bool__(self) -> bool:
        return bool(self.facts) or self.criteria is not None


def people_ids(details: dict[str, Any]) -> set[int]:
    """The users the details point at (requester, who met each criterion)."""
    ids = {details.get("requested_by_id")}
    for row in _rows(details.get("criteria")):
        ids.add(row.get("met_by_id"))
    return {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}


def _rows(value: Any) -> list[dict[str, Any]]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _person(value: Any, names: dict[int, str]) -> str:
    if isinstance(value, int) and value in names:
        return names[value]
    return "someone no longer known" if value is not None else "—"


def _fits(shape: str, value: Any) -> bool:
    if shape == "checkpoint":
        return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31
    if shape == "list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, str)


def readable(
    details: dict[str, Any] | None, names: dict[int, str], checkpoint_id: int | None = None
) -> Details:
    """The entry's details as facts (known keys first, in the order above) and its frozen
    criteria as rows; a key nobody knows is still shown, as its JSON. The checkpoint the entry
    itself links (`checkpoint_id`) is not repeated."""
    details = details or {}
    out = Details()
    for key in [k for k in KNOWN if k in details] + sorted(set(details) - set(KNOWN)):
        value = details[key]
        if key in NOT_FACTS or value in (None, "", []):
            continue
        if key == "checkpoint_id" and value == checkpoint_id:
            continue
        caption, shape = KNOWN.get(key, (label(key), "text"))
        if shape == "person":
            value, shape = _person(value, names), "text"
        elif shape == "people" and isinstance(value, list):
            value = [p.get("name", "—") if isinstance(p, dict) else str(p) for p in value]
            shape = "list"
        if not _fits(shape, value):
            # Details recorded through the API hold what their author sent: shown as sent.
            shape = "text" if isinstance(value, str) else "json"
        out.facts.append(Fact(caption, value, shape))
    if "criteria" in details:
        out.criteria = [
            CriterionRow(
                title=str(row.get("title") or row.get("key") or "—"),
                status=str(row.get("status") or "open"),
                evidence_url=row.get("evidence_url") or None,
                evidence_text=str(row.get("evidence_text") or ""),
                met_by=_person(row["met_by_id"], names) if row.get("met_by_id") else None,
                met_at=row.get("met_at"),
                rule=row.get("rule") or None,
                failing=[str(f) for f in row.get("failing_records") or []],
                waived_by_decision_id=row.get("waived_by_decision_id"),
            )
            for row in _rows(details["criteria"])
        ]
    return out
