"""Who may do what: PRODUCT.md's role table as data, and the one function that reads it.

Every view, API handler and template asks `can(user, action, obj)`. Reading is decided by
membership alone; an object of an organization the user does not belong to is treated as
absent (the loaders answer 404), and an action the role lacks answers 403.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from governance.enums import Role
from governance.extensions import db
from governance.people.models import Membership, User
from governance.portfolio.models import Organization


class Action(StrEnum):
    READ = "read"
    MANAGE = "manage"  # create/edit programs, initiatives, phases, plans
    CONTRIBUTE = "contribute"  # exit criteria, evidence, lineage, KPIs, risks
    PROPOSE_DECISION = "propose_decision"
    REQUEST_CHECKPOINT = "request_checkpoint"
    DECIDE = "decide"  # decide a checkpoint, approve a high-impact decision (never one's own)
    EXPORT_LOG = "export_log"  # export and verify the decision log
    ADMINISTER = "administer"  # users, organizations, memberships


_EVERYONE = frozenset(Role)
_WRITERS = frozenset({Role.LEADER, Role.PMO, Role.CONTRIBUTOR})
_MANAGERS = frozenset({Role.LEADER, Role.PMO})

ROLE_TABLE: dict[Action, frozenset[Role]] = {
    Action.READ: _EVERYONE,
    Action.MANAGE: _MANAGERS,
    Action.CONTRIBUTE: _WRITERS,
    Action.PROPOSE_DECISION: _WRITERS,
    Action.REQUEST_CHECKPOINT: _WRITERS,
    Action.DECIDE: _MANAGERS,
    Action.EXPORT_LOG: frozenset({Role.LEADER, Role.PMO, Role.AUDITOR}),
    Action.ADMINISTER: frozenset(),
}


class OrganizationOwned(Protocol):
    @property
    def organization_id(self) -> int: ...


# The roles memo lives in the session's `info`: a request has one session, removed when the
# request ends, so the memo can never outlive the request nor leak into another one.
_ROLES = "governance.roles"


def roles_by_organization(user: User) -> dict[int, Role]:
    """The user's role in each organization, loaded once per request."""
    cache: dict[int, dict[int, Role]] = db.session.info.setdefault(_ROLES, {})
    if user.id in cache:
        return cache[user.id]
    rows = db.session.execute(
        db.select(Membership.organization_id, Membership.role).where(Membership.user_id == user.id)
    ).all()
    roles = {org_id: Role(role) for org_id, role in rows}
    cache[user.id] = roles
    return roles


def forget_roles() -> None:
    db.session.info.pop(_ROLES, None)


def _membership_changed(mapper: Any, connection: Any, membership: Membership) -> None:
    # A membership written in this session (granted, changed, removed) is seen at once by
    # the next permission check of the same request, whoever made the change.
    session = object_session(membership)
    if session is not None:
        session.info.pop(_ROLES, None)


def _rolled_back(session: Session, transaction: Any) -> None:
    # Roles read after a membership change that is then rolled back must not survive it.
    session.info.pop(_ROLES, None)


for _change in ("after_insert", "after_update", "after_delete"):
    event.listen(Membership, _change, _membership_changed)
event.listen(Session, "after_soft_rollback", _rolled_back)


def role_in(user: User | None, organization_id: int) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return roles_by_organization(user).get(organization_id)


def is_member(user: User | None, organization_id: int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin) or role_in(user, organization_id) is not None


def can(user: User | None, action: Action | str, obj: OrganizationOwned | Any = None) -> bool:
    """May `user` do `action` on `obj` (anything with an organization_id, or None for global)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    action = Action(action)
    if user.is_admin:
        return True
    if obj is None:
        return False
    org_id = obj.id if isinstance(obj, Organization) else obj.organization_id
    role = role_in(user, org_id)
    return role is not None and role in ROLE_TABLE[action]


def visible_organization_ids(user: User) -> list[int] | None:
    """None means every organization (the admin)."""
    if user.is_admin:
        return None
    return list(roles_by_organization(user))
