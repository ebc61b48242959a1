"""Phases and stage gates: the order they advance in, and the stage gates every initiative
goes through.

- Phases advance in order: a phase goes to review only once every earlier phase is complete,
  and completing it starts the next one.
- Stages advance in order too: pilot, then scale, then production, one gate at a time.
"""

from __future__ import annotations

from datetime import datetime

from governance.catalog import stage_gate_catalog
from governance.enums import PHASE_TITLES, PhaseStatus, Stage, StageGateStatus
from governance.errors import DomainError
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase, StageGate
from governance.portfolio.models import Initiative

STAGE_ORDER = [Stage.PILOT, Stage.SCALE, Stage.PRODUCTION]


def check_phase_order(phase: Phase) -> None:
    """Refuse a review of a phase while an earlier phase is unfinished (or it has not started)."""
    earlier = [p for p in phase.initiative.phases if p.position < phase.position]
    unfinished = next((p for p in earlier if p.status != PhaseStatus.COMPLETE), None)
    if unfinished is not None or phase.status == PhaseStatus.NOT_STARTED:
        first = PHASE_TITLES[unfinished.kind] if unfinished else "previous"
        raise DomainError(f"Phases advance in order: complete the {first} phase first.")


def check_stage_order(gate: StageGate) -> None:
    """Refuse a promotion that does not start from the initiative's current stage."""
    initiative = gate.initiative
    if initiative.stage not in STAGE_ORDER:
        raise DomainError(f"{initiative.name} is {initiative.stage}: it cannot be promoted.")
    if initiative.stage != gate.from_stage:
        raise DomainError(
            f"Stages advance in order: {initiative.name} is in {initiative.stage}, "
            f"so it can only be promoted from {initiative.stage} now."
        )


def complete(phase: Phase, now: datetime) -> None:
    """The phase is complete; the next one, if not started yet, starts now."""
    phase.status = PhaseStatus.COMPLETE
    phase.completed_at = now
    following = next((p for p in phase.initiative.phases if p.position == phase.position + 1), None)
    if following is not None and following.status == PhaseStatus.NOT_STARTED:
        following.status = PhaseStatus.IN_PROGRESS
        following.started_at = now


def pass_gate(gate: StageGate, now: datetime) -> None:
    """The initiative is promoted to the gate's stage."""
    gate.status = StageGateStatus.PASSED
    gate.passed_at = now
    gate.initiative.stage = gate.to_stage


def create_stage_gates(initiative: Initiative) -> list[StageGate]:
    """The initiative's stage gates with their seed exit criteria (once per initiative)."""
    existing = list(
        db.session.scalars(db.select(StageGate).where(StageGate.initiative_id == initiative.id))
    )
    if existing:
        return sorted(existing, key=lambda g: g.position)
    gates = []
    for position, spec in enumerate(stage_gate_catalog(), start=1):
        gate = StageGate(
            organization_id=initiative.organization_id,
            initiative_id=initiative.id,
            position=position,
            from_stage=Stage(spec["from"]),
            to_stage=Stage(spec["to"]),
        )
        for index, criterion in enumerate(spec["criteria"], start=1):
            gate.criteria.append(
                ExitCriterion(
                    organization_id=initiative.organization_id,
                    key=criterion["key"],
                    position=index,
                    title=criterion["title"],
                    description=criterion.get("description", ""),
                    framework_refs=list(criterion.get("framework_refs") or []),
                    rule=criterion.get("rule"),
                )
            )
        db.session.add(gate)
        gates.append(gate)
    db.session.flush()
    return gates
