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
from governance.gates.rules import Failure, RecordRef, rule
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


def _missing(initiative: Initiative, kind: str, what: str, found: list[Decision]) -> list[Failure]:
    pending = [d for d in found if d.status == DecisionStatus.PROPOSED]
    if pending:
        return [
            Failure(
                f"Decision #{d.seq} {d.title}",
                "is proposed: it counts once it is accepted (high impact: once approved)",
                RecordRef("decision", d.seq),
            )
            for d in pending
        ]
    return [
        Failure(
            "Decision log",
            f"no accepted decision records {what} for this initiative",
            RecordRef("missing_decision", initiative.id, kind),
        )
    ]


@rule("governance_expectations_decided", "Governance expectations agreed in a recorded decision")
def governance_expectations_decided(initiative: Initiative, today: date) -> list[Failure]:
    found = _current(initiative, "governance_expectations")
    if any(d.status == DecisionStatus.ACCEPTED for d in found):
        return []
    return _missing(initiative, "governance_expectations", "the governance expectations", found)


@rule("roadmap_refined_decided", "Roadmap refined in a recorded decision")
def roadmap_refined_decided(initiative: Initiative, today: date) -> list[Failure]:
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
    if any(d.status == DecisionStatus.ACCEPTED for d in found):
        return []
    return _missing(initiative, "roadmap_refinement", "the refined roadmap", found)
