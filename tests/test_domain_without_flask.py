"""What the domain used to take from Flask's context, it is now given: the per-request memo of
roles and the acting user live in the session's `info`, the password hashing method and the
figure JSON are settings and pure functions."""

from __future__ import annotations

import sqlalchemy as sa

from governance.audit import AuditEvent, acting_as, set_request_actor
from governance.dashboards.charts import figure_dumps
from governance.enums import Role
from governance.people.models import Membership
from governance.permissions import Action, can, roles_by_organization


def test_roles_are_remembered_for_the_session_and_forgotten_with_it(world, db):
    leader, org = world["users"]["leader"], world["org"]
    assert roles_by_organization(leader) == {org.id: Role.LEADER}
    assert any(leader.id in memo for memo in db.session.info.values() if isinstance(memo, dict))
    db.session.remove()  # what the end of a request does
    assert not db.session.info
    assert can(db.session.merge(leader), Action.MANAGE, org)


def test_a_role_changed_in_the_same_request_is_seen_at_once(world, db):
    leader, org = world["users"]["leader"], world["org"]
    assert can(leader, Action.MANAGE, org)
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == leader.id, Membership.organization_id == org.id
        )
    )
    membership.role = Role.AUDITOR  # not through an operation: any flush of a membership counts
    db.session.flush()
    assert not can(leader, Action.MANAGE, org) and can(leader, Action.EXPORT_LOG, org)
    db.session.delete(membership)
    db.session.flush()
    assert not can(leader, Action.READ, org)


def _last_actor(db, initiative):
    return db.session.scalar(
        sa.select(AuditEvent.actor_id)
        .where(AuditEvent.record_type == "initiative", AuditEvent.record_id == initiative.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def test_the_request_actor_is_recorded_and_ends_with_the_session(world, db):
    initiative, users = world["initiative"], world["users"]
    pmo, leader = users["pmo"].id, users["leader"].id
    set_request_actor(pmo)
    initiative.name = "Renamed by the PMO"
    db.session.commit()
    assert _last_actor(db, initiative) == pmo
    db.session.remove()  # the request ends: the next one starts without an actor
    with acting_as(leader):  # the CLI's and the seed's way
        renamed = db.session.merge(initiative)
        renamed.name = "Renamed by the leader"
        db.session.commit()
    assert _last_actor(db, renamed) == leader


def test_a_request_actor_wins_over_acting_as_and_can_be_cleared(world, db):
    initiative, users = world["initiative"], world["users"]
    with acting_as(users["leader"].id):
        set_request_actor(users["contributor"].id)
        initiative.name = "By the contributor"
        db.session.commit()
        assert _last_actor(db, initiative) == users["contributor"].id
        set_request_actor(None)
        initiative.name = "By the leader"
        db.session.commit()
        assert _last_actor(db, initiative) == users["leader"].id


def test_the_factory_sets_the_password_hashing_method(world, make_app):
    # The suite's setting (a cheap method) reached the model without it reading the app.
    assert world["users"]["leader"].password_hash.startswith("pbkdf2:sha256:1000$")


def test_figure_json_is_what_flasks_tojson_gives(app):
    figure = {"data": [{"x": ["2024-01-31"], "y": [1.5], "name": "é <b>"}], "layout": {"b": 1}}
    assert figure_dumps(figure) == app.json.dumps(figure)


def test_roles_read_before_a_rollback_are_read_again(world, db):
    leader, org = world["users"]["leader"], world["org"]
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == leader.id, Membership.organization_id == org.id
        )
    )
    membership.role = Role.AUDITOR
    db.session.flush()
    assert not can(leader, Action.MANAGE, org)  # read inside the transaction
    db.session.rollback()
    assert can(leader, Action.MANAGE, org)
