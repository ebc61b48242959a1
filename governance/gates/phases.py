"""Phases and stage gates: the order they advance in, and the stage gates every initiative
goes through.

- Phases advance in order: a phase goes to review only once every earlier phase is complete,
  and completing it starts the next one.
- Stages advance in order too: pilot, then scale, then production, one gate at a time.
- A phase's owner is a member of the initiative's organization, named by someone who may
  manage the initiative (leader, PMO, admin).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from governance.catalog import stage_gate_catalog
from governance.enums import PHASE_TITLES, PhaseStatus, Stage, StageGateStatus
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase, StageGate
from governance.people.models import Membership, User
from governance.permissions import Action, require
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


PHASE_OWNER_REFUSAL = "Only a leader, PMO or admin of this organization can name a phase's owner."


NOT_A_MEMBER = "The phase owner must be an active member of this organization."


# Ids beyond what an id column holds cannot name anyone (and must not reach the database).
_LARGEST_ID = 2**31 - 1


def set_owner(
    phase: Phase, by: User, owner_id: int | None, expected_version: int | None = None
) -> Phase:
    """Name the phase's owner (None: nobody). The owner is an active member of the
    organization: an administrator who is not a member, or a deactivated account, cannot own
    its work."""
    require(by, Action.MANAGE, phase, PHASE_OWNER_REFUSAL)
    check_version(phase, expected_version, ["owner_id"])
    if owner_id is not None:
        member = 0 < owner_id <= _LARGEST_ID and db.session.scalar(
            sa.select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.organization_id == phase.organization_id,
                Membership.user_id == owner_id,
                User.active.is_(True),
            )
        )
        if not member:
            raise DomainError(NOT_A_MEMBER, field="owner_id")
    phase.owner_id = owner_id
    db.session.flush()
    return phase
