"""Phase rules in the domain layer: every refusal says why and changes nothing."""

from __future__ import annotations

import pytest

from governance.decisions.models import Decision
from governance.enums import CheckpointStatus, CriterionStatus, PhaseStatus, Stage
from governance.errors import DomainError, NotAllowed
from governance.extensions import db
from governance.gates import checkpoints as ops
from governance.gates import criteria as criteria_ops
from governance.gates.assessment import assess
from governance.gates.queries import stage_gates_of
from tests.gates.helpers import fingerprint, meet_all, own_every_phase, unchanged


@pytest.fixture
def ready(world):
    """The first initiative with its objectives phase ready for a checkpoint."""
    initiative, users = world["initiative"], world["users"]
    own_every_phase(initiative, users["leader"])
    meet_all(initiative.phases[0].criteria, users["contributor"])
    db.session.commit()
    return world


def refused(call, match: str, error=DomainError) -> None:
    before = fingerprint()
    with pytest.raises(error, match=match):
        call()
    assert unchanged(before)
    db.session.rollback()


def test_open_criteria_are_named_in_the_refusal(world):
    initiative, users = world["initiative"], world["users"]
    phase = initiative.phases[0]
    criteria_ops.mark_met(phase.criteria[0], users["contributor"], evidence_text="done")
    criteria_ops.mark_met(phase.criteria[2], users["contributor"], evidence_text="done")
    db.session.commit()
    open_titles = [c.title for i, c in enumerate(phase.criteria) if i not in (0, 2)]
    refused(
        lambda: ops.request_phase_checkpoint(phase, users["contributor"], "ready"),
        f"{len(open_titles)} exit criteria are still open: {open_titles[0]}; {open_titles[1]}",
    )
    assert phase.status == PhaseStatus.IN_PROGRESS


def test_an_evaluated_criterion_counts_as_met_only_when_its_rule_passes(ready):
    initiative, users = ready["initiative"], ready["users"]
    roadmap = initiative.phases[2]
    owners = next(c for c in roadmap.criteria if c.rule == "every_phase_has_owner")
    states = {s.criterion.id: s for s in assess(roadmap.criteria, initiative)}
    assert states[owners.id].status == CriterionStatus.MET and states[owners.id].evaluated
    initiative.phases[4].owner_id = None
    db.session.commit()
    state = next(s for s in assess([owners], initiative))
    assert state.status == CriterionStatus.OPEN
    assert [f.record for f in state.result.failures] == ["Pipelines phase"]
    with pytest.raises(DomainError, match="evaluated from the tracked data"):
        criteria_ops.mark_met(owners, users["contributor"], evidence_text="trust me")


def test_phases_advance_in_order(ready):
    initiative, users = ready["initiative"], ready["users"]
    refused(
        lambda: ops.request_phase_checkpoint(initiative.phases[2], users["leader"], "skip ahead"),
        "Phases advance in order: complete the Objectives phase first.",
    )


def test_a_note_is_required(ready):
    phase, user = ready["initiative"].phases[0], ready["users"]["contributor"]
    refused(lambda: ops.request_phase_checkpoint(phase, user, "  "), "Add a note")


@pytest.mark.parametrize("role", ["auditor", "outsider"])
def test_who_may_not_request(ready, role):
    phase = ready["initiative"].phases[0]
    refused(
        lambda: ops.request_phase_checkpoint(phase, ready["users"][role], "ready"),
        "does not allow requesting",
        NotAllowed,
    )


def test_only_one_pending_checkpoint_per_phase(ready):
    phase, users = ready["initiative"].phases[0], ready["users"]
    ops.request_phase_checkpoint(phase, users["contributor"], "ready")
    db.session.commit()
    refused(
        lambda: ops.request_phase_checkpoint(phase, users["pmo"], "again"),
        "already waiting for review",
    )


@pytest.fixture
def pending(ready):
    phase, users = ready["initiative"].phases[0], ready["users"]
    checkpoint = ops.request_phase_checkpoint(phase, users["contributor"], "All five met.")
    db.session.commit()
    return checkpoint


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("contributor", "Only a leader, PMO or admin"),
        ("auditor", "Only a leader, PMO or admin"),
        ("outsider", "Only a leader, PMO or admin"),
    ],
)
def test_who_may_not_decide(ready, pending, role, message):
    refused(
        lambda: ops.decide(pending, ready["users"][role], "approved", "ok"), message, NotAllowed
    )
    assert pending.status == CheckpointStatus.PENDING


def test_self_approval_is_refused(ready):
    leader = ready["users"]["leader"]
    checkpoint = ops.request_phase_checkpoint(ready["initiative"].phases[0], leader, "ready")
    db.session.commit()
    refused(
        lambda: ops.decide(checkpoint, leader, "approved", ""),
        "segregation of duties",
        NotAllowed,
    )
    assert checkpoint.status == CheckpointStatus.PENDING


def test_rejection_and_changes_need_a_comment(ready, pending):
    pmo = ready["users"]["pmo"]
    refused(lambda: ops.decide(pending, pmo, "rejected", " "), "Say why")
    refused(lambda: ops.decide(pending, pmo, "pending", "x"), "Choose approve, reject")


def test_approval_is_refused_when_a_criterion_was_reopened_after_the_request(ready, pending):
    users = ready["users"]
    reopened = pending.phase.criteria[0]
    criteria_ops.reopen(reopened, users["contributor"])
    db.session.commit()
    refused(
        lambda: ops.decide(pending, users["pmo"], "approved", ""),
        f"1 exit criterion is still open: {reopened.title}",
    )
    ops.decide(pending, users["pmo"], "changes_requested", "Evidence link is broken.")
    db.session.commit()
    assert pending.phase.status == PhaseStatus.IN_PROGRESS


def test_each_outcome_writes_a_decision_and_moves_the_phase(ready, pending):
    users, phase = ready["users"], pending.phase
    ops.decide(pending, users["pmo"], "rejected", "Sponsor has not signed.")
    db.session.commit()
    assert phase.status == PhaseStatus.IN_PROGRESS
    entry = db.session.get(Decision, pending.decision_id)
    assert entry.kind == "checkpoint_rejected" and entry.checkpoint_id == pending.id
    assert entry.details["outcome"] == "rejected" and entry.decided_by_id == users["pmo"].id
    refused(lambda: ops.decide(pending, users["leader"], "approved", ""), "already rejected")
    again = ops.request_phase_checkpoint(phase, users["contributor"], "Signed now.")
    db.session.commit()
    ops.decide(again, users["leader"], "approved", "")
    db.session.commit()
    assert phase.status == PhaseStatus.COMPLETE and phase.completed_at == again.decided_at
    following = ready["initiative"].phases[1]
    assert following.status == PhaseStatus.IN_PROGRESS and following.started_at == again.decided_at
    approval = db.session.get(Decision, again.decision_id)
    assert approval.details["criteria_sha256"] == again.approved_snapshot_sha256
    assert len(approval.details["criteria"]) == len(phase.criteria)
    assert again.requested_at <= again.decided_at


def test_a_waiver_is_a_recorded_decision(ready):
    initiative, users = ready["initiative"], ready["users"]
    criterion = initiative.phases[1].criteria[4]
    refused(
        lambda: criteria_ops.waive(criterion, users["contributor"], reason="r", accepted_risk="x"),
        "Only a leader, PMO or admin",
        NotAllowed,
    )
    refused(
        lambda: criteria_ops.waive(criterion, users["pmo"], reason="", accepted_risk="x"), "Say why"
    )
    criteria_ops.waive(
        criterion, users["pmo"], reason="No vendors involved.", accepted_risk="A vendor is missed."
    )
    db.session.commit()
    entry = db.session.get(Decision, criterion.waived_by_decision_id)
    assert criterion.status == CriterionStatus.WAIVED
    assert entry.kind == "waiver" and entry.details["accepted_risk"] == "A vendor is missed."
    assert entry.rationale == "No vendors involved." and entry.decided_by_id == users["pmo"].id
    refused(
        lambda: criteria_ops.waive(criterion, users["pmo"], reason="r", accepted_risk="x"),
        "already waived",
    )


def test_stage_gates_promote_in_order_with_their_own_criteria(ready):
    initiative, users = ready["initiative"], ready["users"]
    to_scale, to_production = stage_gates_of(initiative)
    assert (to_scale.from_stage, to_production.to_stage) == (Stage.PILOT, Stage.PRODUCTION)
    assert [c.key for c in to_scale.criteria][0] == "gate-pilot-baseline"
    refused(
        lambda: ops.request_stage_gate_checkpoint(to_production, users["leader"], "go"),
        "Stages advance in order",
    )
    refused(
        lambda: ops.request_stage_gate_checkpoint(to_scale, users["leader"], "go"),
        "5 exit criteria are still open",
    )
    meet_all(to_scale.criteria, users["contributor"])
    checkpoint = ops.request_stage_gate_checkpoint(to_scale, users["contributor"], "Pilot done.")
    db.session.commit()
    ops.decide(checkpoint, users["pmo"], "approved", "Go to scale.")
    db.session.commit()
    assert initiative.stage == Stage.SCALE and to_scale.passed_at == checkpoint.decided_at
    with pytest.raises(DomainError, match="can no longer change"):
        criteria_ops.reopen(to_scale.criteria[0], users["contributor"])
