"""The permission matrix: one row per (endpoint, role), with the status each must get.

Another organization's records answer 404; a role without the right answers 403; an auditor
changes nothing. Every refused write is checked to have changed nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.enums import CriterionStatus
from governance.gates.models import ExitCriterion
from governance.people.models import Membership
from governance.permissions import ROLE_TABLE, Action, can
from governance.portfolio.models import Initiative, Program
from tests.conftest import ROLES


def _expect(**given: int) -> dict[str, int]:
    """Expected status per role; `members=` sets the default for the four member roles."""
    members = given.pop("members", 200)
    base = {r: members for r in ("leader", "pmo", "contributor", "auditor")}
    base.update(admin=given.pop("admin", members), outsider=404, anonymous=302)
    base.update(given)
    return base


def _criterion(world: dict[str, Any]) -> ExitCriterion:
    initiative = world["initiative"]
    return initiative.phases[0].criteria[0]


def _paths(world: dict[str, Any]) -> dict[str, str]:
    initiative = world["initiative"]
    criterion = _criterion(world)
    program = initiative.program
    base = f"/orgs/acme-freight/initiatives/{initiative.id}"
    return {
        "org": "/orgs/acme-freight",
        "initiative": base,
        "program_new": "/orgs/acme-freight/programs/new",
        "program_edit": f"/orgs/acme-freight/programs/{program.id}/edit",
        "initiative_new": "/orgs/acme-freight/initiatives/new",
        "initiative_edit": f"{base}/edit",
        "evidence": f"{base}/criteria/{criterion.id}/evidence",
        "plan": f"{base}/criteria/{criterion.id}/plan",
        "org_new": "/orgs/new",
        "org_edit": "/orgs/acme-freight/edit",
        "members": "/orgs/acme-freight/members",
        "foreign_initiative": f"/orgs/acme-freight/initiatives/{world['other_initiative'].id}",
        "portfolio": "/",
    }


READS = [
    ("org", _expect()),
    ("initiative", _expect()),
    ("portfolio", _expect(outsider=200)),
    ("program_new", _expect(contributor=403, auditor=403)),
    ("program_edit", _expect(contributor=403, auditor=403)),
    ("initiative_new", _expect(contributor=403, auditor=403)),
    ("initiative_edit", _expect(contributor=403, auditor=403)),
    ("evidence", _expect(auditor=403)),
    ("plan", _expect(auditor=403)),
    ("org_new", _expect(members=403, admin=200, outsider=403)),
    ("org_edit", _expect(members=403, admin=200, leader=200)),  # a leader: the review rules
    ("members", _expect(members=403, admin=200)),
    ("foreign_initiative", _expect(members=404, admin=404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page,expected", READS, ids=[r[0] for r in READS])
def test_who_may_open_each_page(world, as_user, user_in_role, role, page, expected):
    client = as_user(user_in_role(role))
    response = client.get(_paths(world)[page])
    assert response.status_code == expected[role]


def _program_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Program))


WRITES: list[tuple[str, dict[str, Any], dict[str, int]]] = [
    ("program_new", {"name": "Pricing"}, _expect(members=302, contributor=403, auditor=403)),
    (
        "initiative_edit",
        {"name": "Renamed", "risk_tier": "high"},
        _expect(members=302, contributor=403, auditor=403),
    ),
    ("evidence", {"evidence_text": "Signed-off KPI sheet"}, _expect(members=302, auditor=403)),
    ("plan", {"owner_id": "None", "due_on": "2027-01-15"}, _expect(members=302, auditor=403)),
    (
        "org_edit",
        {"name": "Acme", "slug": "acme-freight", "review_target_days": "4"},
        _expect(members=403, admin=302),
    ),
    ("members", {"email": "x@example.com", "role": "pmo"}, _expect(members=403, admin=400)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page,data,expected", WRITES, ids=[w[0] for w in WRITES])
def test_who_may_change_what(world, as_user, user_in_role, db, role, page, data, expected):
    data = dict(data)
    if page == "initiative_edit":
        data["program_id"] = str(world["initiative"].program_id)
        data["owner_id"] = "None"
        data["version"] = str(world["initiative"].version)
    before_audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = as_user(user_in_role(role)).post(_paths(world)[page], data=data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    db.session.expire_all()
    after_audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    if expected[role] >= 400 or role == "anonymous":
        assert after_audit == before_audit, "a refused write must change nothing"
    else:
        assert after_audit > before_audit


def test_an_auditor_changes_nothing_anywhere(world, as_user, db):
    auditor = as_user(world["users"]["auditor"])
    criterion = _criterion(world)
    paths = _paths(world)
    for page in (
        "program_new",
        "initiative_new",
        "initiative_edit",
        "evidence",
        "plan",
        "org_edit",
        "members",
    ):
        assert (
            auditor.post(paths[page], data={"name": "x", "evidence_text": "x"}).status_code == 403
        )
    db.session.expire_all()
    assert db.session.get(ExitCriterion, criterion.id).status == CriterionStatus.OPEN
    assert _program_count(db) == 2


def test_another_organizations_records_never_show_their_content(world, as_user):
    outsider = as_user(world["users"]["outsider"])
    response = outsider.get(_paths(world)["initiative"])
    assert response.status_code == 404
    assert "Parcel fraud scoring" not in response.get_data(as_text=True)
    portfolio = outsider.get("/").get_data(as_text=True)
    assert "Acme Freight" not in portfolio and "Globex Health" in portfolio


def test_a_criterion_of_another_organization_is_404_through_this_one(world, as_user):
    foreign = world["other_initiative"].phases[0].criteria[0]
    initiative = world["initiative"]
    response = as_user(world["users"]["leader"]).post(
        f"/orgs/acme-freight/initiatives/{initiative.id}/criteria/{foreign.id}/evidence",
        data={"evidence_text": "x"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("action", list(Action))
def test_the_role_table_is_what_can_answers(world, action):
    org = world["org"]
    for role, user in world["users"].items():
        if role in ("admin", "outsider"):
            continue
        assert can(user, action, org) == (user.memberships[0].role in ROLE_TABLE[action])
    assert can(world["users"]["admin"], action, org)
    assert not can(world["users"]["outsider"], action, org)
    assert not can(None, action, org)


def test_membership_changes_take_effect(world, as_user, db):
    admin = as_user(world["users"]["admin"])
    outsider = world["users"]["outsider"]
    response = admin.post(
        "/orgs/acme-freight/members", data={"email": outsider.email, "role": "auditor"}
    )
    assert response.status_code == 302
    assert as_user(outsider).get("/orgs/acme-freight").status_code == 200
    assert (
        as_user(outsider).post(_paths(world)["program_new"], data={"name": "x"}).status_code == 403
    )
    removed = admin.post(f"/orgs/acme-freight/members/{outsider.id}/remove")
    assert removed.status_code == 302
    assert as_user(outsider).get("/orgs/acme-freight").status_code == 404
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.user_id == outsider.id)
        )
        == 1
    )


def test_initiative_count_is_unchanged_by_refused_creation(world, as_user, db):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Initiative))
    as_user(world["users"]["contributor"]).post(
        _paths(world)["initiative_new"],
        data={
            "name": "Sneaky",
            "program_id": str(world["initiative"].program_id),
            "risk_tier": "low",
        },
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == before
