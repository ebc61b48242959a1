"""Rules that need a recorded decision: governance expectations, roadmap refinement.

A decision counts when its current state (the latest entry of its thread) is accepted, it is
linked to the initiative, and its kind says what it decides: "governance_expectations" (the
objectives phase), "roadmap_refinement" (the evaluation phase; recorded for that phase, or
after it started). A proposed high-impact decision does not count until it is approved.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.decisions.queries import is_current
from governance.enums import DecisionStatus, PhaseKind
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
