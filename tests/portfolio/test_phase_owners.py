"""Phase owners are named on the initiative page and through the API (before: only waivable):
a member of the organization, by a leader, PMO or admin, versioned and in the audit trail; the
criterion "Every phase has a named owner" then passes."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.enums import CriterionStatus, Role
from governance.gates.assessment import assess
from governance.gates.models import Phase
from governance.gates.rules import evaluate
from governance.people.operations import set_active

ORG = "/orgs/acme-freight"
API = "/api/v1/orgs/acme-freight"


def _web(world, phase):
    return f"{ORG}/initiatives/{world['initiative'].id}/phases/{phase.id}/owner"


def _api(world, phase):
    return f"{API}/initiatives/{world['initiative'].id}/phases/{phase.id}/owner"


def _owners_criterion(initiative):
    return next(c for p in initiative.phases for c in p.criteria if c.key == "roadmap-phase-owners")


def _audit(db, phase):
    return db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.record_type == "phase",
            AuditEvent.record_id == phase.id,
            AuditEvent.field == "owner_id",
        )
    ).all()


def test_owners_named_on_the_initiative_page_make_the_criterion_pass(world, as_user, db):
    initiative, users = world["initiative"], world["users"]
    criterion = _owners_criterion(initiative)
    assert assess([criterion], initiative)[0].status == CriterionStatus.OPEN
    pmo = as_user(users["pmo"])
    page = pmo.get(f"{ORG}/initiatives/{initiative.id}").get_data(as_text=True)
    for phase in initiative.phases:
        # The page has a small form per phase, posting the phase's version.
        assert f'action="{_web(world, phase)}"' in page
        response = pmo.post(
            _web(world, phase),
            data={"owner_id": users["contributor"].id, "version": phase.version},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    assert {p.owner_id for p in initiative.phases} == {users["contributor"].id}
    state = assess([criterion], initiative)[0]
    assert state.status == CriterionStatus.MET and state.result.passed
    trail = _audit(db, initiative.phases[0])
    assert [(e.actor_id, e.new_value) for e in trail] == [
        (users["pmo"].id, str(users["contributor"].id))
    ]
    shown = as_user(users["auditor"]).get(f"{ORG}/initiatives/{initiative.id}")
    html = shown.get_data(as_text=True)
    assert "Phase owners" in html and f"{users['contributor'].name}" in html
    assert f'action="{_web(world, initiative.phases[0])}"' not in html  # the auditor: no form


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_a_non_member_owner_is_refused_with_a_clear_message(world, as_user, db, who):
    """The admin may act in every organization but is not a member: cannot own its work."""
    phase = world["initiative"].phases[1]
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    response = as_user(world["users"]["leader"]).post(
        _web(world, phase), data={"owner_id": world["users"][who].id, "version": phase.version}
    )
    assert response.status_code == 400
    assert "must be an active member of this organization" in response.get_data(as_text=True)
    db.session.expire_all()
    assert phase.owner_id is None
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == before


@pytest.mark.parametrize("owner_id", ["999999", str(2**31), str(2**63), str(10**30), "-1"])
def test_ids_that_name_nobody_are_refused_not_a_500(world, as_user, client, token_for, owner_id):
    phase = world["initiative"].phases[1]
    response = as_user(world["users"]["leader"]).post(
        _web(world, phase), data={"owner_id": owner_id}
    )
    assert response.status_code == 400
    response = (
        as_user(None)
        .application.test_client()
        .put(
            _api(world, phase),
            json={"owner_id": int(owner_id)},
            headers=token_for(world["users"]["leader"]),
        )
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {
        "owner_id": ["The phase owner must be an active member of this organization."]
    }


def test_a_deactivated_member_cannot_own_a_phase(world, as_user, db):
    contributor = world["users"]["contributor"]
    set_active(contributor, False, world["users"]["admin"])
    db.session.commit()
    phase = world["initiative"].phases[0]
    response = as_user(world["users"]["pmo"]).post(
        _web(world, phase), data={"owner_id": contributor.id}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(("role", "status"), [("contributor", 403), ("auditor", 403)])
def test_roles_without_the_right_are_refused_on_the_web(world, as_user, db, role, status):
    phase = world["initiative"].phases[0]
    response = as_user(world["users"][role]).post(
        _web(world, phase), data={"owner_id": world["users"]["leader"].id}
    )
    assert response.status_code == status
    db.session.expire_all()
    assert phase.owner_id is None


def test_a_stale_version_is_refused_with_the_current_owner(world, as_user, db):
    phase, users = world["initiative"].phases[0], world["users"]
    read = phase.version
    leader, pmo = as_user(users["leader"]), as_user(users["pmo"])
    assert (
        leader.post(
            _web(world, phase), data={"owner_id": users["leader"].id, "version": read}
        ).status_code
        == 302
    )
    response = pmo.post(_web(world, phase), data={"owner_id": users["pmo"].id, "version": read})
    assert response.status_code == 400
    assert "Someone else changed this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert phase.owner_id == users["leader"].id


def test_the_form_needs_its_csrf_token(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    phase = world["initiative"].phases[0]
    client = app.test_client(user=world["users"]["leader"])
    response = client.post(_web(world, phase), data={"owner_id": world["users"]["leader"].id})
    assert response.status_code == 400
    page = client.get(f"{ORG}/initiatives/{world['initiative'].id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        _web(world, phase),
        data={"owner_id": world["users"]["leader"].id, "csrf_token": token.group(1)},
    )
    assert response.status_code == 302
    with app.app_context():
        from governance.extensions import db

        assert db.session.get(Phase, phase.id).owner_id == world["users"]["leader"].id


# ---- the API -------------------------------------------------------------------------------


def test_owners_named_through_the_api_make_the_criterion_pass(client, world, token_for, db):
    initiative, users = world["initiative"], world["users"]
    headers = token_for(users["leader"])
    listed = client.get(f"{API}/initiatives/{initiative.id}/phases", headers=headers).get_json()
    assert [p["kind"] for p in listed["items"]][:2] == ["objectives", "assessment"]
    assert all(p["owner_id"] is None for p in listed["items"])
    for item in listed["items"]:
        phase = db.session.get(Phase, item["id"])
        response = client.put(
            _api(world, phase),
            json={"owner_id": users["pmo"].id, "version": item["version"]},
            headers=headers,
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["owner"] == users["pmo"].name and body["version"] == item["version"] + 1
    db.session.expire_all()
    assert evaluate("every_phase_has_owner", initiative).passed
    assert [e.actor_id for e in _audit(db, initiative.phases[3])] == [users["leader"].id]
    cleared = client.put(
        _api(world, initiative.phases[3]), json={"owner_id": None}, headers=headers
    )
    assert cleared.status_code == 200 and cleared.get_json()["owner"] is None
    db.session.expire_all()
    result = evaluate("every_phase_has_owner", initiative)
    assert [f.record for f in result.failures] == ["Governance phase"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("leader", 200), ("pmo", 200), ("contributor", 403), ("auditor", 403),
     ("outsider", 404)],
)  # fmt: skip
def test_who_may_name_a_phase_owner_through_the_api(client, world, token_for, db, role, status):
    phase = world["initiative"].phases[0]
    response = client.put(
        _api(world, phase),
        json={"owner_id": world["users"]["contributor"].id},
        headers=token_for(world["users"][role]),
    )
    assert response.status_code == status
    assert response.get_json()["error" if status != 200 else "owner_id"]
    db.session.expire_all()
    expected = world["users"]["contributor"].id if status == 200 else None
    assert db.session.get(Phase, phase.id).owner_id == expected


def test_api_refusals_say_why_in_json(client, world, token_for, db, make_user):
    phase, other = world["initiative"].phases[0], world["other_initiative"].phases[0]
    headers = token_for(world["users"]["leader"])
    outsider = client.put(
        _api(world, phase), json={"owner_id": world["users"]["outsider"].id}, headers=headers
    )
    assert outsider.status_code == 400
    assert outsider.get_json()["error"]["message"] == (
        "The phase owner must be an active member of this organization."
    )
    # Another organization's phase, under this initiative's path: absent.
    foreign = f"{API}/initiatives/{world['initiative'].id}/phases/{other.id}/owner"
    assert client.put(foreign, json={"owner_id": None}, headers=headers).status_code == 404
    for body in ({}, {"owner_id": "12"}, {"owner_id": 1.5}, {"owner_id": 1, "version": "x"}):
        bad = client.put(_api(world, phase), json=body, headers=headers)
        assert (
            bad.status_code == 422
            and "owner_id" in str(bad.get_json())
            or (bad.status_code == 422 and "version" in str(bad.get_json()))
        )
    stale = client.put(
        _api(world, phase), json={"owner_id": None, "version": phase.version + 5}, headers=headers
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["details"] == {"current": {"owner_id": None}}
    new_member = make_user("New member", org=world["org"], role=Role.AUDITOR)
    joined = client.put(_api(world, phase), json={"owner_id": new_member.id}, headers=headers)
    assert joined.status_code == 200
