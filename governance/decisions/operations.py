"""Recording decisions, and every later change to one as a new entry of the log.

Nothing here updates or deletes an entry. A decision's approval, status change or correction
appends a new entry to its thread that repeats every field (with the change) and points at
the entry it revises, so the latest entry of a thread is the decision's current state.

Two-person rule (human in the loop, decisions/rules.py): a high-impact decision recorded as
accepted is stored as *proposed* until a second person with the right to decide approves it
(`approve_decision`; permissions refuse its authors). The same holds for every change that
could walk around that approval: a correction of a high-impact decision (lowering its impact
included) and a decision superseding one that had high impact. A correction never carries an
earlier approval over: what was approved is not what the decision now says.

Every revision names the state it started from (`version`: the seq of the entry the person
saw); the chain appends it only while that entry is still the latest of its thread, so of two
people approving or correcting the same state, one wins and the other is told (409).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from governance.decisions import chain
from governance.decisions.models import LIST_FIELDS, Decision
from governance.decisions.queries import current_entry
from governance.decisions.rules import (
    NEXT_STATUSES,
    awaits_second_person,
    correction_needs_second_person,
    is_system_kind,
    was_high_impact,
)
from governance.enums import DecisionImpact, DecisionStatus
from governance.errors import AlreadyDecided, ConflictError, DomainError
from governance.extensions import db
from governance.gates.models import Checkpoint, Phase
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative, Organization
from governance.verify import canonical_bytes

# MADR 4.0 fields (and references) that record_decision accepts as keyword arguments.
TEXT_FIELDS = ("consequences", "confirmation")


MADR_FIELDS = frozenset(TEXT_FIELDS + LIST_FIELDS + ("note",))

# The fields a correction may change.
CORRECTABLE = frozenset(
    {"title", "context", "decision", "rationale", "impact", "details"} | MADR_FIELDS
)

# A first entry may be recorded in these statuses; the others come later, as revisions.
INITIAL_STATUSES = (DecisionStatus.PROPOSED, DecisionStatus.ACCEPTED, DecisionStatus.REJECTED)


FINAL_STATUSES = (DecisionStatus.REJECTED, DecisionStatus.SUPERSEDED, DecisionStatus.DEPRECATED)


PROPOSE_REFUSAL = "Your role in this organization does not allow recording decisions."


LIMITS = {"title": 200, "context": 20000, "decision": 20000, "rationale": 20000, "note": 4000}


LIST_ITEM_MAX = 500


def record_decision(
    org: Organization,
    author: User,
    *,
    title: str,
    context: str,
    decision: str,
    rationale: str = "",
    status: DecisionStatus = DecisionStatus.ACCEPTED,
    impact: DecisionImpact = DecisionImpact.NORMAL,
    initiative: Initiative | None = None,
    phase: Phase | None = None,
    checkpoint_id: int | None = None,
    supersedes: Decision | None = None,
    kind: str = "general",
    details: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    by_workflow: bool = False,
    **madr_fields: Any,
) -> Decision:
    """Append a new decision to the organization's log. Flushes, never commits.

    `by_workflow` is for the checkpoint and waiver operations (and the demo's replayed
    history): only they write the system kinds (decisions/rules.py)."""
    require(author, Action.PROPOSE_DECISION, org, PROPOSE_REFUSAL)
    unknown = set(madr_fields) - MADR_FIELDS
    if unknown:
        raise TypeError(f"record_decision() got unexpected fields: {', '.join(sorted(unknown))}")
    status, impact = DecisionStatus(status), DecisionImpact(impact)
    if status not in INITIAL_STATUSES:
        raise DomainError(
            f"A new decision is proposed, accepted or rejected; it becomes {status.value} later,"
            " through a new entry.",
            field="status",
        )
    kind = (kind or "general").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", kind):
        raise DomainError(
            "Choose the kind of decision (lower-case letters, digits and underscores).",
            field="kind",
        )
    if is_system_kind(kind) and not by_workflow:
        raise DomainError(
            f"“{kind}” decisions are written by the workflow (a checkpoint's review, an exit"
            " criterion's waiver), not recorded directly: choose another kind.",
            field="kind",
        )
    if initiative is not None and initiative.organization_id != org.id:
        raise DomainError("Choose an initiative of this organization.", field="initiative_id")
    if phase is not None:
        if phase.organization_id != org.id or (
            initiative is not None and phase.initiative_id != initiative.id
        ):
            raise DomainError("Choose a phase of the chosen initiative.", field="phase_id")
        if initiative is None:
            initiative = db.session.get(Initiative, phase.initiative_id)
    if checkpoint_id is not None:
        checkpoint = db.session.get(Checkpoint, checkpoint_id)
        if checkpoint is None or checkpoint.organization_id != org.id:
            raise DomainError("No such checkpoint in this organization.", field="checkpoint_id")
        if initiative is not None and checkpoint.initiative_id != initiative.id:
            raise DomainError(
                "Choose a checkpoint of the chosen initiative.", field="checkpoint_id"
            )
    superseded: Decision | None = None
    if supersedes is not None:
        if supersedes.organization_id != org.id:
            raise DomainError("Choose a decision of this organization.", field="supersedes_id")
        superseded = current_entry(supersedes)
        if superseded.status in FINAL_STATUSES:
            raise DomainError(
                f"“{superseded.title}” is already {superseded.status.value}: it cannot be"
                " superseded.",
                field="supersedes_id",
            )
    needs_second_person = impact == DecisionImpact.HIGH or (
        superseded is not None and was_high_impact(superseded.thread_id)
    )
    if needs_second_person and status == DecisionStatus.ACCEPTED:
        # Human in the loop: accepted (and superseding) only once a second person approves.
        status = DecisionStatus.PROPOSED
    values = _validated(
        {
            "title": title,
            "context": context,
            "decision": decision,
            "rationale": rationale,
            "details": details,
            **{name: madr_fields.get(name, "") for name in (*TEXT_FIELDS, "note")},
            **{name: madr_fields.get(name) for name in LIST_FIELDS},
        }
    )
    values.update(
        kind=kind,
        change="recorded",
        status=status,
        impact=impact,
        initiative_id=initiative.id if initiative else None,
        phase_id=phase.id if phase else None,
        checkpoint_id=checkpoint_id,
        supersedes_id=superseded.thread_id if superseded else None,
        revises_id=None,
        thread_id=None,
        decided_by_id=author.id,
        decided_by_name=author.name,
        approved_by_id=None,
        approved_by_name=None,
        created_at=created_at,
    )
    entry = chain.append(org, values)
    if superseded is not None and entry.status == DecisionStatus.ACCEPTED:
        _mark_superseded(org, superseded, entry, author, created_at)
    db.session.flush()
    return entry


def approve_decision(
    decision: Decision,
    approver: User,
    *,
    note: str = "",
    version: int | None = None,
    created_at: datetime | None = None,
) -> Decision:
    """A second person approves a decision waiting for one: a new, accepted entry.
    `version` is the seq of the entry the approver saw: they approve that content only."""
    latest = current_entry(decision)
    org = latest.organization
    _check_started_from(latest, version)
    if latest.status != DecisionStatus.PROPOSED:
        raise AlreadyDecided(
            f"Only a proposed decision can be approved; this one is already {latest.status}"
            + (f" (approved by {latest.approved_by_name})." if latest.approved_by_name else ".")
        )
    if not awaits_second_person(latest):
        raise DomainError("Only high-impact decisions need an approval; accept this one instead.")
    require(
        approver,
        Action.APPROVE_DECISION,
        latest,
        "Only a leader, a PMO or an admin of this organization can approve.",
    )
    entry = _revise(
        latest,
        change="approval",
        status=DecisionStatus.ACCEPTED,
        approved_by_id=approver.id,
        approved_by_name=approver.name,
        note=_clean_note(note) or f"Approved by {approver.name}.",
        created_at=created_at,
    )
    if latest.supersedes_id is not None:
        target = db.session.get(Decision, latest.supersedes_id)
        assert target is not None
        superseded = current_entry(target)
        if superseded.status not in FINAL_STATUSES:
            _mark_superseded(org, superseded, entry, approver, created_at)
    db.session.flush()
    return entry


def change_status(
    decision: Decision,
    author: User,
    status: DecisionStatus,
    *,
    note: str = "",
    version: int | None = None,
    created_at: datetime | None = None,
) -> Decision:
    """Accept, reject or deprecate a decision: a new entry with the new status."""
    latest = current_entry(decision)
    require(author, Action.PROPOSE_DECISION, latest, PROPOSE_REFUSAL)
    _check_started_from(latest, version)
    status = DecisionStatus(status)
    allowed = NEXT_STATUSES.get(latest.status, ())
    if status not in allowed:
        if status == DecisionStatus.SUPERSEDED:
            message = "A decision is superseded by recording the decision that replaces it."
        elif not allowed:
            message = f"This decision is {latest.status.value}: its status can no longer change."
        else:
            message = (
                f"A {latest.status.value} decision can become "
                f"{' or '.join(s.value for s in allowed)}, not {status.value}."
            )
        raise DomainError(message, field="status")
    waiting = awaits_second_person(latest)
    if (waiting or latest.impact == DecisionImpact.HIGH) and status == DecisionStatus.ACCEPTED:
        raise DomainError(
            "This decision is accepted through a second person's approval (high impact, or a"
            " change to a high-impact decision).",
            field="status",
        )
    if waiting or latest.impact == DecisionImpact.HIGH:
        require(
            author,
            Action.DECIDE,
            latest,
            "Only a leader, a PMO or an admin can change the status of a high-impact decision.",
            field="status",
        )
    note = _clean_note(note)
    if status != DecisionStatus.ACCEPTED and not note:
        raise DomainError(f"Say why the decision is {status.value}.", field="note")
    entry = _revise(
        latest,
        change="status_change",
        status=status,
        decided_by_id=author.id,
        decided_by_name=author.name,
        note=note,
        created_at=created_at,
    )
    db.session.flush()
    return entry


def correct_decision(
    entry: Decision,
    author: User,
    /,
    *,
    note: str,
    version: int | None = None,
    created_at: datetime | None = None,
    **changes: Any,
) -> Decision:
    """Correct a decision's content: a new entry with the corrected fields and the reason.
    `version` is the seq of the entry the correction started from (web form, API body): a
    correction of an older state is refused with the current values, never applied over
    someone else's."""
    latest = current_entry(entry)
    require(author, Action.PROPOSE_DECISION, latest, PROPOSE_REFUSAL)
    if version is not None and version != latest.seq:
        raise ConflictError(
            f"{latest.decided_by_name} changed this decision while you were correcting it"
            f" (entry #{latest.seq} is now its latest). Review the current values and correct"
            " again.",
            current={name: getattr(latest, name) for name in STALE_SHOWN},
        )
    unknown = set(changes) - CORRECTABLE
    if unknown:
        raise TypeError(f"correct_decision() cannot change: {', '.join(sorted(unknown))}")
    if latest.status in FINAL_STATUSES:
        raise DomainError(f"This decision is {latest.status.value}: it can no longer be corrected.")
    note = _clean_note(note)
    if not note:
        raise DomainError("Say what the correction fixes.", field="note")
    current = {name: getattr(latest, name) for name in CORRECTABLE if name != "note"}
    merged = _validated({**current, **changes, "note": note})
    impact = DecisionImpact(changes.get("impact", latest.impact))
    if all(merged[k] == current[k] for k in current if k != "impact") and impact == latest.impact:
        raise DomainError("Nothing was changed: change a field to correct the decision.")
    status = latest.status
    if correction_needs_second_person(awaits_second_person(latest), latest.impact, impact):
        # What was approved is not what the decision now says: a second person approves it.
        status = DecisionStatus.PROPOSED
    merged.pop("impact", None)
    corrected = _revise(
        latest,
        change="correction",
        impact=impact,
        status=status,
        decided_by_id=author.id,
        decided_by_name=author.name,
        # An approval is of the content approved, never carried over to changed content.
        approved_by_id=None,
        approved_by_name=None,
        created_at=created_at,
        **merged,
    )
    db.session.flush()
    return corrected


# --------------------------------------------------------------------------------- helpers

# What a stale correction shows as the decision's current values.
STALE_SHOWN = ("seq", "status", "impact", "title", "decision", "decided_by_name")


def _check_started_from(latest: Decision, version: int | None) -> None:
    """Refuse a change that started from an entry that is no longer the decision's latest."""
    if version is None or version == latest.seq:
        return
    if latest.change in ("approval", "status_change"):
        who = latest.approved_by_name if latest.change == "approval" else latest.decided_by_name
        raise AlreadyDecided(
            f"Already decided: {who} made this decision {latest.status.value} (entry"
            f" #{latest.seq}) after you opened it."
        )
    raise AlreadyDecided(
        f"{latest.decided_by_name} changed this decision after you opened it (entry"
        f" #{latest.seq}): review what it says now before deciding."
    )


def _mark_superseded(
    org: Organization,
    superseded: Decision,
    by: Decision,
    author: User,
    created_at: datetime | None,
) -> Decision:
    return _revise(
        superseded,
        change="status_change",
        status=DecisionStatus.SUPERSEDED,
        decided_by_id=author.id,
        decided_by_name=author.name,
        note=f"Superseded by decision #{by.seq}: {by.title}",
        created_at=created_at,
    )


_COPIED = (
    "kind",
    "title",
    "status",
    "impact",
    "context",
    "decision",
    "rationale",
    "details",
    "initiative_id",
    "phase_id",
    "checkpoint_id",
    "supersedes_id",
    "decided_by_id",
    "decided_by_name",
    "approved_by_id",
    "approved_by_name",
    *TEXT_FIELDS,
    *LIST_FIELDS,
)


def _revise(latest: Decision, *, change: str, **changes: Any) -> Decision:
    values = {name: getattr(latest, name) for name in _COPIED}
    values.update(changes)
    values["change"] = change
    values["thread_id"] = latest.thread_id
    values["revises_id"] = latest.id
    values.setdefault("note", "")
    return chain.append(latest.organization, values)


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > LIMITS["note"]:
        raise DomainError(f"Keep the note under {LIMITS['note']} characters.", field="note")
    return note


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("title", "context", "decision", "rationale", "note", *TEXT_FIELDS):
        text = (values.get(name) or "").strip()
        if len(text) > LIMITS.get(name, 20000):
            raise DomainError(f"Keep this under {LIMITS.get(name, 20000)} characters.", field=name)
        out[name] = text
    if not out["title"]:
        raise DomainError("Give the decision a title.", field="title")
    if not out["context"]:
        raise DomainError("Describe the context and the problem it decides.", field="context")
    if not out["decision"]:
        raise DomainError("Say what was decided: the chosen option.", field="decision")
    for name in LIST_FIELDS:
        raw = values.get(name) or []
        if isinstance(raw, str):
            raw = raw.splitlines()
        items = [str(item).strip() for item in raw if str(item).strip()]
        if any(len(item) > LIST_ITEM_MAX for item in items):
            raise DomainError(f"Keep each line under {LIST_ITEM_MAX} characters.", field=name)
        out[name] = items
    details = values.get("details") or {}
    if not isinstance(details, dict):
        raise DomainError("Details must be a set of named values.", field="details")
    try:
        canonical_bytes({"details": details})
    except (TypeError, ValueError) as error:
        # Floats, dates and other values the log cannot hash identically everywhere.
        raise DomainError(
            f"Details can hold text, whole numbers, true/false, lists and named values: {error}",
            field="details",
        ) from error
    out["details"] = details
    return out
