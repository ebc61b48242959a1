"""The whole journey: seven phases and three stages, approvals frozen to what they approved."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.enums import CheckpointStatus, PhaseStatus, Stage
from governance.errors import DomainError, NotAllowed
from governance.extensions import db
from governance.gates import checkpoints as ops
from governance.gates.approvals import approval_state, approved_snapshot
from governance.gates.models import Checkpoint
from governance.gates.queries import initiative_gates, stage_gates_of, working_days_between
from tests.gates.helpers import meet_all, own_every_phase


def _through(gate_criteria, request, users, note):
    meet_all(gate_criteria, users["contributor"])
    checkpoint = request(users["contributor"], note)
    db.session.commit()
    ops.decide(checkpoint, users["pmo"], CheckpointStatus.APPROVED, "")
    db.session.commit()
    return checkpoint


def test_an_initiative_goes_through_seven_phases_and_three_stages(world):
    initiative, users = world["initiative"], world["users"]
    own_every_phase(initiative, users["leader"])
    gates = stage_gates_of(initiative)
    stages = [initiative.stage]
    for phase in initiative.phases:
        assert phase.status == PhaseStatus.IN_PROGRESS
        _through(
            phase.criteria,
            lambda by, note, phase=phase: ops.request_phase_checkpoint(phase, by, note),
            users,
            f"{phase.kind} done",
        )
        assert phase.status == PhaseStatus.COMPLETE
        if phase.kind.value in ("governance", "knowledge_transfer"):
            gate = gates.pop(0)
            _through(
                gate.criteria,
                lambda by, note, gate=gate: ops.request_stage_gate_checkpoint(gate, by, note),
                users,
                "promote",
            )
            stages.append(initiative.stage)
    assert stages == [Stage.PILOT, Stage.SCALE, Stage.PRODUCTION]
    assert all(p.started_at and p.completed_at for p in initiative.phases)
    checkpoints = db.session.scalars(sa.select(Checkpoint)).all()
    assert len(checkpoints) == 9 and all(c.decision_id for c in checkpoints)
    kinds = db.session.scalars(sa.select(Decision.kind).order_by(Decision.seq)).all()
    assert kinds.count("checkpoint_approved") == 9
    with pytest.raises(DomainError, match="already promoted"):
        ops.request_stage_gate_checkpoint(stage_gates_of(initiative)[1], users["leader"], "again")
    with pytest.raises(DomainError, match="already complete"):
        ops.request_phase_checkpoint(initiative.phases[-1], users["leader"], "again")


@pytest.fixture
def approved_roadmap(world):
    """The first three phases approved; the roadmap approval relied on every phase's owner."""
    initiative, users = world["initiative"], world["users"]
    own_every_phase(initiative, users["leader"])
    checkpoint = None
    for phase in initiative.phases[:3]:
        checkpoint = _through(
            phase.criteria,
            lambda by, note, phase=phase: ops.request_phase_checkpoint(phase, by, note),
            users,
            "done",
        )
    return checkpoint


def test_an_approval_turns_stale_when_a_fact_it_relied_on_changes(world, approved_roadmap):
    initiative, users = world["initiative"], world["users"]
    checkpoint = approved_roadmap
    assert not approval_state(checkpoint, approved_snapshot(checkpoint)).stale
    with pytest.raises(DomainError, match="Nothing changed"):
        ops.review_again(checkpoint, users["leader"], "fine", approved_snapshot(checkpoint))
    db.session.rollback()
    initiative.phases[5].owner_id = None  # the knowledge-transfer phase loses its owner
    db.session.commit()
    state = approval_state(checkpoint, approved_snapshot(checkpoint))
    assert state.stale
    assert any(
        "Every phase has a named owner" in c and "met, is now open" in c for c in state.changes
    )
    assert any("Knowledge transfer phase: has no owner" in c for c in state.changes)
    gates = initiative_gates(initiative)
    assert gates.phases[checkpoint.phase_id].stale
    with pytest.raises(NotAllowed):
        ops.review_again(checkpoint, users["contributor"], "ok", approved_snapshot(checkpoint))
    db.session.rollback()
    with pytest.raises(DomainError, match="Say why"):
        ops.review_again(checkpoint, users["leader"], "", approved_snapshot(checkpoint))
    db.session.rollback()
    first = checkpoint.decision_id
    ops.review_again(
        checkpoint,
        users["leader"],
        "Owner named next week.",
        approved_snapshot(checkpoint),
    )
    db.session.commit()
    assert checkpoint.decision_id != first and checkpoint.reviewed_again_at
    assert not approval_state(checkpoint, approved_snapshot(checkpoint)).stale
    entry = db.session.get(Decision, checkpoint.decision_id)
    assert entry.kind == "checkpoint_reviewed_again" and entry.details["changes"]


def test_a_changed_evidence_text_is_named(world, approved_roadmap):
    criterion = approved_roadmap.phase.criteria[0]
    db.session.execute(
        sa.update(type(criterion))
        .where(type(criterion).id == criterion.id)
        .values(evidence_text="rewritten later")
    )
    db.session.commit()
    db.session.expire_all()
    state = approval_state(approved_roadmap, approved_snapshot(approved_roadmap))
    assert state.changes == [f"“{criterion.title}”: the evidence changed."]


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 11, 20), date(2026, 11, 23), 1),  # Friday -> Monday
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 16), date(2026, 11, 30), 10),
        (date(2026, 11, 21), date(2026, 11, 22), 0),  # a weekend
    ],
)
def test_age_is_counted_in_working_days(start, end, days):
    assert working_days_between(start, end) == days
