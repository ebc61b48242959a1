"""The two-person rule holds on every path, and no two people can both decide the same state.

Each test here failed on the code before issue 14: a correction or a superseding decision
walked around the second person's approval, three simultaneous approvals all succeeded
(a fork: several entries revising one), and a stale correction silently undid another.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from governance.decisions import operations as ops
from governance.decisions.chain import verify_organization
from governance.decisions.models import Decision
from governance.decisions.queries import current_entry
from governance.decisions.rules import awaits_second_person
from governance.enums import DecisionImpact, DecisionStatus
from governance.errors import AlreadyDecided, ConflictError, DomainError, NotAllowed
from governance.people.models import User
from governance.portfolio.models import Organization

LOG = "/orgs/acme-freight/decisions"
API = "/api/v1/orgs/acme-freight/decisions"


def _high(world, db, author="contributor", **extra):
    entry = ops.record_decision(
        world["org"],
        world["users"][author],
        title="Go live with parcel fraud scoring",
        context="Pilot met its targets.",
        decision="Promote to production",
        impact=DecisionImpact.HIGH,
        initiative=world["initiative"],
        **extra,
    )
    db.session.commit()
    return entry


def _rows(db):
    return list(db.session.scalars(sa.select(Decision).order_by(Decision.seq)))


def test_a_lowered_proposal_still_needs_a_second_person(world, db):
    """(a) A contributor lowers a proposed high-impact decision to normal, then accepts it."""
    users = world["users"]
    entry = _high(world, db)
    lowered = ops.correct_decision(
        entry, users["contributor"], note="Not that risky after all", impact=DecisionImpact.NORMAL
    )
    db.session.commit()
    assert lowered.status == DecisionStatus.PROPOSED and awaits_second_person(lowered)
    # A second correction cannot pass the first one through either.
    again = ops.correct_decision(entry, users["contributor"], note="Wording", title="Go live")
    db.session.commit()
    assert awaits_second_person(again)
    with pytest.raises(DomainError, match="second person's approval"):
        ops.change_status(entry, users["contributor"], DecisionStatus.ACCEPTED)
    db.session.rollback()
    # A leader who corrected it is an author of what waits: they cannot approve it either.
    ops.correct_decision(entry, users["leader"], note="Leader's wording", title="Go live now")
    db.session.commit()
    with pytest.raises(NotAllowed, match="own change"):
        ops.approve_decision(entry, users["leader"])
    db.session.rollback()
    approval = ops.approve_decision(entry, users["pmo"])
    db.session.commit()
    assert approval.status == DecisionStatus.ACCEPTED and approval.impact == DecisionImpact.NORMAL
    assert approval.approved_by_id == users["pmo"].id


def test_correcting_an_approved_decision_does_not_keep_its_approval(world, db, as_user):
    """(b) An approved high-impact decision corrected to normal stayed accepted, approver kept."""
    users = world["users"]
    entry = _high(world, db)
    ops.approve_decision(entry, users["leader"])
    db.session.commit()
    latest = current_entry(entry)
    response = as_user(users["contributor"]).post(
        f"{LOG}/{latest.seq}/correct",
        data={
            "title": latest.title,
            "impact": "normal",
            "context": latest.context,
            "decision": "Promote to production in all hubs",
            "note": "All hubs, not one",
            "version": str(latest.seq),
        },
    )
    assert response.status_code == 302
    corrected = current_entry(entry)
    assert corrected.change == "correction" and corrected.status == DecisionStatus.PROPOSED
    assert corrected.approved_by_id is None and corrected.approved_by_name is None
    page = as_user(users["auditor"]).get(f"{LOG}/{corrected.seq}").get_data(as_text=True)
    assert "A change to a high-impact decision" in page


def test_superseding_a_high_impact_decision_needs_a_second_person(world, db, as_user):
    """(c) A normal decision superseding an approved high-impact one took effect at once."""
    users = world["users"]
    target = _high(world, db)
    ops.approve_decision(target, users["leader"])
    db.session.commit()
    response = as_user(users["contributor"]).post(
        f"{LOG}/new",
        data={
            "title": "Stay in the pilot",
            "kind": "go_live",
            "status": "accepted",
            "impact": "normal",
            "initiative_id": "None",
            "phase": "",
            "supersedes_id": str(target.id),
            "context": "Drift seen in week 3.",
            "decision": "Keep advisory mode",
        },
    )
    assert response.status_code == 302
    newest = _rows(db)[-1]
    assert newest.supersedes_id == target.id and newest.status == DecisionStatus.PROPOSED
    assert current_entry(target).status == DecisionStatus.ACCEPTED  # not superseded yet
    with pytest.raises(DomainError, match="second person's approval"):
        ops.change_status(newest, users["contributor"], DecisionStatus.ACCEPTED)
    db.session.rollback()
    ops.approve_decision(newest, users["pmo"])
    db.session.commit()
    assert current_entry(target).status == DecisionStatus.SUPERSEDED


def test_three_simultaneous_approvals_one_wins(world, app, db):
    """Three people approve the same proposal at the same moment: one approval, two refusals."""
    entry = _high(world, db)
    org_id, entry_id = world["org"].id, entry.id
    approvers = [world["users"][role].id for role in ("leader", "pmo", "admin")]
    start = threading.Barrier(len(approvers))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def approve(user_id: int) -> None:
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                decision = db.session.get(Decision, entry_id)
                start.wait()
                try:
                    ops.approve_decision(decision, user, version=decision.seq)
                    db.session.commit()
                    outcomes.append("approved")
                except AlreadyDecided as refused:
                    db.session.rollback()
                    assert "Already decided" in refused.message
                    outcomes.append("already decided")
                db.session.remove()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=approve, args=(uid,)) for uid in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[0]
    assert sorted(outcomes) == ["already decided", "already decided", "approved"]
    db.session.expire_all()
    rows = _rows(db)
    assert [r.change for r in rows] == ["recorded", "approval"]
    revised = [r.revises_id for r in rows if r.revises_id is not None]
    assert len(revised) == len(set(revised))  # no entry revised twice: no fork
    assert verify_organization(db.session.get(Organization, org_id)).ok


def test_a_late_approval_is_told_it_was_already_decided(world, db, as_user, client, token_for):
    users = world["users"]
    entry = _high(world, db)
    assert as_user(users["leader"]).post(f"{LOG}/{entry.seq}/approve").status_code == 302
    late = as_user(users["pmo"]).post(f"{LOG}/{entry.seq}/approve", data={"version": entry.seq})
    assert late.status_code == 409 and "Already decided" in late.get_data(as_text=True)
    api = client.post(
        f"{API}/{entry.seq}/approval",
        json={"version": entry.seq},
        headers=token_for(users["admin"]),
    )
    assert api.status_code == 409
    body = api.get_json()["error"]
    assert body["code"] == "already_decided" and body["details"]["current"]["change"] == "approval"
    assert len(_rows(db)) == 2


def test_api_approval_and_its_rules(world, db, client, token_for):
    users = world["users"]
    entry = _high(world, db)
    url = f"{API}/{entry.seq}/approval"
    own = client.post(url, json={"version": entry.seq}, headers=token_for(users["contributor"]))
    assert own.status_code == 403
    missing = client.post(url, json={}, headers=token_for(users["leader"]))
    assert missing.status_code == 422 and "version" in missing.get_json()["error"]["message"]
    ok = client.post(url, json={"version": entry.seq}, headers=token_for(users["leader"]))
    assert ok.status_code == 201 and ok.get_json()["status"] == "accepted"


def test_a_stale_correction_is_refused_with_the_current_values_web(world, db, as_user):
    users = world["users"]
    entry = ops.record_decision(
        world["org"], users["leader"], title="Vendor A", context="c", decision="Buy from A"
    )
    db.session.commit()
    started = entry.seq

    def correct(client, decision, note):
        return client.post(
            f"{LOG}/{entry.seq}/correct",
            data={
                "title": "Vendor A",
                "impact": "normal",
                "context": "c",
                "decision": decision,
                "note": note,
                "version": str(started),
            },
        )

    assert correct(as_user(users["leader"]), "Buy from A, 2 years", "Term").status_code == 302
    stale = correct(as_user(users["pmo"]), "Buy from A, 3 years", "Other term")
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "changed this decision while you were correcting it" in html
    assert "Buy from A, 2 years" in html  # the form shows the decision as it stands now
    assert f'name="version" type="hidden" value="{started + 1}"' in html
    db.session.expire_all()
    assert current_entry(entry).decision == "Buy from A, 2 years" and len(_rows(db)) == 2


def test_a_stale_correction_is_refused_with_the_current_entry_api(world, db, client, token_for):
    users = world["users"]
    entry = ops.record_decision(
        world["org"], users["leader"], title="Vendor A", context="c", decision="Buy from A"
    )
    db.session.commit()
    url = f"{API}/{entry.seq}/corrections"
    first = client.post(
        url,
        json={"version": entry.seq, "note": "Term", "decision": "Buy from A, 2 years"},
        headers=token_for(users["leader"]),
    )
    assert first.status_code == 201, first.get_json()
    stale = client.post(
        url,
        json={"version": entry.seq, "note": "Other", "decision": "Buy from A, 3 years"},
        headers=token_for(users["pmo"]),
    )
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["current"]["decision"] == "Buy from A, 2 years"
    unversioned = client.post(
        url, json={"note": "x", "title": "y"}, headers=token_for(users["pmo"])
    )
    assert unversioned.status_code == 422
    db.session.expire_all()
    assert current_entry(entry).decision == "Buy from A, 2 years" and len(_rows(db)) == 2
    # A high-impact correction over the API waits for a second person like on the web.
    raised = client.post(
        url,
        json={"version": entry.seq + 1, "note": "Bigger", "impact": "high"},
        headers=token_for(users["leader"]),
    )
    assert raised.status_code == 201 and raised.get_json()["status"] == "proposed"


def test_stale_approval_of_changed_content_is_refused(world, db):
    """An approver approves what they saw: a correction in between makes it stale."""
    users = world["users"]
    entry = _high(world, db)
    seen = entry.seq
    ops.correct_decision(entry, users["contributor"], note="More", decision="Promote twice")
    db.session.commit()
    with pytest.raises(AlreadyDecided, match="changed this decision after you opened it"):
        ops.approve_decision(entry, users["leader"], version=seen)
    db.session.rollback()
    with pytest.raises(ConflictError):
        ops.correct_decision(entry, users["leader"], note="x", title="t", version=seen)
