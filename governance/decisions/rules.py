"""The decision log's rules: the evaluated exit criteria that need a recorded decision
(governance expectations, roadmap refinement), the two-person rule, and the kinds only the
workflow writes.

A decision counts when its current state (the latest entry of its thread) is accepted, it is
linked to the initiative, and its kind says what it decides: "governance_expectations" (the
objectives phase), "roadmap_refinement" (the evaluation phase; recorded for that phase, or
after it started). A proposed high-impact decision does not count until it is approved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from governance.decisions.models import Decision
from governance.decisions.queries import is_current
from governance.enums import DecisionImpact, DecisionStatus, PhaseKind
from governance.extensions import db
from governance.gates.rules import Checked, Failure, RecordRef, open_when_empty, rule
from governance.portfolio.models import Initiative


def _current(initiative: Initiative, kind: str) -> list[Decision]:
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.initiative_id == initiative.id,
                Decision.kind == kind,
                is_current(),
            )
            .order_by(Decision.seq)
        )
    )


def _judged(initiative: Initiative, kind: str, what: str, found: list[Decision]) -> Checked:
    """Met by one accepted decision; open, naming the pending ones, while none is accepted."""
    if any(d.status == DecisionStatus.ACCEPTED for d in found):
        return Checked(len(found))
    missing = RecordRef("missing_decision", initiative.id, kind)
    if not found:
        return Checked(
            0, fix=missing, nothing=f"no accepted decision records {what} for this initiative yet"
        )
    pending = [d for d in found if d.status == DecisionStatus.PROPOSED]
    if pending:
        return Checked(
            len(found),
            [
                Failure(
                    f"Decision #{d.seq} {d.title}",
                    "is proposed: it counts once it is accepted (high impact: once approved)",
                    RecordRef("decision", d.seq),
                )
                for d in pending
            ],
        )
    return Checked(
        len(found),
        [
            Failure(
                "Decision log",
                f"no accepted decision records {what} for this initiative",
                missing,
            )
        ],
    )


@rule(
    "governance_expectations_decided",
    "Governance expectations agreed in a recorded decision",
    when_empty=open_when_empty("no accepted decision records the governance expectations yet"),
)
def governance_expectations_decided(initiative: Initiative, today: date) -> Checked:
    found = _current(initiative, "governance_expectations")
    return _judged(initiative, "governance_expectations", "the governance expectations", found)


@rule(
    "roadmap_refined_decided",
    "Roadmap refined in a recorded decision",
    when_empty=open_when_empty("no accepted decision records the refined roadmap yet"),
)
def roadmap_refined_decided(initiative: Initiative, today: date) -> Checked:
    evaluation = next((p for p in initiative.phases if p.kind == PhaseKind.EVALUATION), None)
    found = [
        d
        for d in _current(initiative, "roadmap_refinement")
        if evaluation is not None
        and (
            d.phase_id == evaluation.id
            or (evaluation.started_at is not None and d.created_at >= evaluation.started_at)
        )
    ]
    return _judged(initiative, "roadmap_refinement", "the refined roadmap", found)


# ---- the two-person rule (human in the loop) ----------------------------------------------
#
# A high-impact decision takes effect only once a second person approves it, and so does any
# change that could walk around that approval: correcting a high-impact decision (lowering
# its impact included) and recording a decision that supersedes one. Such an entry is stored
# as proposed and waits until someone other than its authors (permissions.is_own) approves
# it; an approval is never carried over to changed content.

# Kinds only the workflow writes: a checkpoint's outcome (gates/checkpoints.py) and an exit
# criterion's waiver (gates/criteria.py), an incident's review and its report to the authority
# (incidents/operations.py). Recorded by hand (web, API), they would show an
# approval or a waiver that nobody gave through the workflow.
SYSTEM_KINDS = frozenset({"waiver", "incident_review", "serious_incident_report"})
SYSTEM_KIND_PREFIX = "checkpoint_"


def is_system_kind(kind: str) -> bool:
    return kind in SYSTEM_KINDS or kind.startswith(SYSTEM_KIND_PREFIX)


def awaiting_second_person() -> sa.ColumnElement[bool]:
    """Where a `Decision` entry waits for a second person's approval, as SQL: it is proposed,
    and either its thread held high-impact content since its last approval (recorded as
    high, corrected from or to high) or it supersedes a decision that was high-impact."""
    high, approval, target = aliased(Decision), aliased(Decision), aliased(Decision)
    approved_since = (
        sa.exists()
        .where(
            approval.thread_id == Decision.thread_id,
            approval.change == "approval",
            approval.seq > high.seq,
            approval.seq <= Decision.seq,
        )
        .correlate_except(approval)  # both enclosing queries, not only the nearest
    )
    high_content = sa.exists().where(
        high.thread_id == Decision.thread_id,
        high.seq <= Decision.seq,
        high.impact == DecisionImpact.HIGH,
        ~approved_since,
    )
    supersedes_high = sa.exists().where(
        target.thread_id == Decision.supersedes_id,
        target.seq < Decision.seq,
        target.impact == DecisionImpact.HIGH,
    )
    return sa.and_(
        Decision.status == DecisionStatus.PROPOSED, sa.or_(high_content, supersedes_high)
    )


def awaiting_among(entries: Iterable[Decision]) -> set[int]:
    """The ids of those entries that wait for a second person's approval (one query)."""
    ids = [entry.id for entry in entries]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Decision.id).where(Decision.id.in_(ids), awaiting_second_person())
        )
    )


def awaits_second_person(entry: Decision) -> bool:
    return entry.id in awaiting_among([entry])


def was_high_impact(thread_id: int) -> bool:
    """Did the decision ever have high impact? Superseding it then needs a second person."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    Decision.thread_id == thread_id, Decision.impact == DecisionImpact.HIGH
                )
            )
        )
    )


def correction_needs_second_person(
    latest_awaits: bool, before: DecisionImpact, after: DecisionImpact
) -> bool:
    """A correction waits for a second person when the decision was or becomes high-impact,
    or when what it corrects was itself still waiting (or a second correction would pass
    the first one through)."""
    return latest_awaits or DecisionImpact.HIGH in (before, after)


# ---- status changes ------------------------------------------------------------------------

# The statuses a decision may move to by a status change, from its current status.
NEXT_STATUSES: dict[DecisionStatus, tuple[DecisionStatus, ...]] = {
    DecisionStatus.PROPOSED: (DecisionStatus.ACCEPTED, DecisionStatus.REJECTED),
    DecisionStatus.ACCEPTED: (DecisionStatus.DEPRECATED,),
}


def statuses_offered(
    entry: Decision, waiting: bool, may_decide: bool
) -> tuple[DecisionStatus, ...]:
    """The statuses a status change can give the current entry (operations.change_status
    refuses the others): a high-impact decision, or one waiting for a second person, is
    accepted only through an approval, never by a status change, and only the deciding roles
    (`may_decide`: Action.DECIDE) change its status at all."""
    allowed = NEXT_STATUSES.get(entry.status, ())
    if waiting or entry.impact == DecisionImpact.HIGH:
        if not may_decide:
            return ()
        allowed = tuple(s for s in allowed if s != DecisionStatus.ACCEPTED)
    return allowed
