"""Checkpoints of high-risk initiatives need two approvers other than the requester (an
organization setting, on by default). Before issue 14 one approval passed any checkpoint."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.enums import CheckpointStatus, PhaseStatus, RiskTier
from governance.errors import NotAllowed
from governance.extensions import db
from governance.gates import checkpoints as ops
from tests.gates.helpers import meet_all, own_every_phase

ORG = "/orgs/acme-freight"


@pytest.fixture
def pending(world):
    """A checkpoint of a high-risk initiative's first phase, requested by the contributor."""
    initiative, users = world["initiative"], world["users"]
    initiative.risk_tier = RiskTier.HIGH
    own_every_phase(initiative, users["leader"])
    phase = initiative.phases[0]
    meet_all(phase.criteria, users["contributor"])
    checkpoint = ops.request_phase_checkpoint(phase, users["contributor"], "Objectives done.")
    db.session.commit()
    return checkpoint


def test_the_first_approval_keeps_the_checkpoint_in_review(world, pending, as_user, client):
    users = world["users"]
    first = as_user(users["pmo"]).post(
        f"{ORG}/checkpoints/{pending.id}/decide",
        data={"outcome": "approved", "comment": "Evidence is solid."},
    )
    assert first.status_code == 302
    db.session.expire_all()
    assert pending.status == CheckpointStatus.PENDING
    assert pending.phase.status == PhaseStatus.IN_REVIEW
    assert pending.first_approved_by_id == users["pmo"].id
    page = as_user(users["leader"]).get(f"{ORG}/checkpoints/{pending.id}").get_data(as_text=True)
    assert "Approved by pmo person" in page and "A second approver is needed" in page
    # The first approver cannot be the second; they see why.
    own = as_user(users["pmo"]).get(f"{ORG}/checkpoints/{pending.id}").get_data(as_text=True)
    assert "You approved this checkpoint: a second person approves it" in own
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(Decision))
    with pytest.raises(NotAllowed, match="already approved"):
        ops.decide(pending, users["pmo"], CheckpointStatus.APPROVED, "")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == logged
    second = as_user(users["leader"]).post(
        f"{ORG}/checkpoints/{pending.id}/decide", data={"outcome": "approved", "comment": ""}
    )
    assert second.status_code == 302
    db.session.expire_all()
    assert pending.status == CheckpointStatus.APPROVED
    assert pending.phase.status == PhaseStatus.COMPLETE
    entry = db.session.get(Decision, pending.decision_id)
    assert [a["name"] for a in entry.details["approvers"]] == ["pmo person", "leader person"]
    assert "approved by pmo person and leader person" in entry.title


def test_the_queue_no_longer_waits_on_the_first_approver(world, pending, as_user):
    ops.decide(pending, world["users"]["pmo"], CheckpointStatus.APPROVED, "")
    db.session.commit()
    mine = as_user(world["users"]["pmo"]).get("/reviews").get_data(as_text=True)
    theirs = as_user(world["users"]["leader"]).get("/reviews").get_data(as_text=True)
    link = f"{ORG}/checkpoints/{pending.id}"
    assert link not in mine and link in theirs


def test_the_api_answers_pending_after_the_first_approval(world, pending, client, token_for):
    url = f"/api/v1{ORG}/checkpoints/{pending.id}/decision"
    first = client.post(
        url, json={"outcome": "approved"}, headers=token_for(world["users"]["leader"])
    )
    assert first.status_code == 200 and first.get_json()["status"] == "pending"
    again = client.post(
        url, json={"outcome": "approved"}, headers=token_for(world["users"]["leader"])
    )
    assert again.status_code == 403
    second = client.post(
        url, json={"outcome": "approved"}, headers=token_for(world["users"]["pmo"])
    )
    assert second.status_code == 200 and second.get_json()["status"] == "approved"
    late = client.post(
        url, json={"outcome": "approved"}, headers=token_for(world["users"]["admin"])
    )
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_decided"


def test_a_rejection_after_a_first_approval_starts_the_review_over(world, pending):
    users = world["users"]
    ops.decide(pending, users["pmo"], CheckpointStatus.APPROVED, "")
    ops.decide(pending, users["leader"], CheckpointStatus.CHANGES_REQUESTED, "Add the sponsor.")
    db.session.commit()
    assert pending.status == CheckpointStatus.CHANGES_REQUESTED
    assert pending.first_approved_by_id is None


def test_the_organization_can_ask_for_one_approver(world, pending, as_user):
    users = world["users"]
    org = world["org"]
    # A PMO cannot change the rule; a leader can, where the organization is edited.
    refused = as_user(users["pmo"]).post(f"{ORG}/review-rules", data={"version": str(org.version)})
    assert refused.status_code == 403
    page = as_user(users["leader"]).get(f"{ORG}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Two approvers for checkpoints of high-risk initiatives" in html and "checked" in html
    assert 'name="name"' not in html  # the rest of the organization is the admin's
    saved = as_user(users["leader"]).post(f"{ORG}/review-rules", data={"version": str(org.version)})
    assert saved.status_code == 302
    db.session.expire_all()
    assert org.two_approvers_for_high_risk is False
    assert "one approver" in as_user(users["auditor"]).get(ORG).get_data(as_text=True)
    ops.decide(pending, users["pmo"], CheckpointStatus.APPROVED, "")
    db.session.commit()
    assert pending.status == CheckpointStatus.APPROVED


def test_a_medium_risk_initiative_needs_one_approver(world):
    initiative, users = world["initiative"], world["users"]
    own_every_phase(initiative, users["leader"])
    phase = initiative.phases[0]
    meet_all(phase.criteria, users["contributor"])
    checkpoint = ops.request_phase_checkpoint(phase, users["contributor"], "Done.")
    ops.decide(checkpoint, users["pmo"], CheckpointStatus.APPROVED, "")
    db.session.commit()
    assert checkpoint.status == CheckpointStatus.APPROVED
