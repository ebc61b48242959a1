"""Who may do what: PRODUCT.md's role table as data, and the one function that reads it.

Every view, API handler, template and operation asks `can(user, action, obj)` (operations
through `require`, which raises NotAllowed). Reading is decided by membership alone; an object
of an organization the user does not belong to is treated as absent (the loaders answer 404),
and an action the role lacks answers 403.

"Never one's own" (segregation of duties) is part of the answer too: a checkpoint is decided,
and a high-impact decision approved, only by someone other than who asked for it, admins
included; a checkpoint needing two approvers is approved by two different people, and a
decision's change waiting for approval is approved by none of its authors.
`checkpoints_to_decide` writes the same rule as SQL for the review queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from governance.database import viewing_the_past
from governance.decisions.models import Decision
from governance.enums import Role
from governance.errors import NotAllowed
from governance.extensions import db
from governance.gates.models import Checkpoint
from governance.people.models import Membership, User
from governance.portfolio.models import Organization


class Action(StrEnum):
    READ = "read"
    MANAGE = "manage"  # create/edit programs, initiatives, phases, plans
    CONTRIBUTE = "contribute"  # exit criteria, evidence, lineage, KPIs, risks
    PROPOSE_DECISION = "propose_decision"
    REQUEST_CHECKPOINT = "request_checkpoint"
    DECIDE = "decide"  # the deciding roles: waive a criterion, re-status a high-impact decision
    DECIDE_CHECKPOINT = "decide_checkpoint"  # DECIDE, and never a checkpoint one requested
    # DECIDE_CHECKPOINT, and never twice: a checkpoint needing two approvers needs two people
    APPROVE_CHECKPOINT = "approve_checkpoint"
    APPROVE_DECISION = "approve_decision"  # DECIDE, and never a decision one authored
    EXPORT_LOG = "export_log"  # export and verify the decision log
    ADMINISTER = "administer"  # users, organizations, memberships
    # the organization's review rules: two approvers for high-risk checkpoints
    SET_REVIEW_RULES = "set_review_rules"


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
    Action.DECIDE_CHECKPOINT: _MANAGERS,
    Action.APPROVE_CHECKPOINT: _MANAGERS,
    Action.APPROVE_DECISION: _MANAGERS,
    Action.EXPORT_LOG: frozenset({Role.LEADER, Role.PMO, Role.AUDITOR}),
    Action.ADMINISTER: frozenset(),
    Action.SET_REVIEW_RULES: frozenset({Role.LEADER}),
}

# The actions a person may never take on what they asked for themselves (second person rule).
SECOND_PERSON: dict[Action, str] = {
    Action.DECIDE_CHECKPOINT: (
        "You requested this checkpoint, so someone else must decide it (segregation of duties)."
    ),
    Action.APPROVE_CHECKPOINT: (
        "You requested or already approved this checkpoint: its approval needs another"
        " person (segregation of duties)."
    ),
    Action.APPROVE_DECISION: (
        "You cannot approve your own decision or your own change to it: a high-impact"
        " decision, and any change to one, needs a second person's approval."
    ),
}


class OrganizationOwned(Protocol):
    @property
    def organization_id(self) -> int: ...


# The roles memo lives in the session's `info`: a request has one session, removed when the
# request ends, so the memo can never outlive the request nor leak into another one.
ROLES_KEY = "governance.roles"


def roles_by_organization(user: User) -> dict[int, Role]:
    """The user's role in each organization, loaded once per request."""
    cache: dict[int, dict[int, Role]] = db.session.info.setdefault(ROLES_KEY, {})
    if user.id in cache:
        return cache[user.id]
    rows = db.session.execute(
        db.select(Membership.organization_id, Membership.role).where(Membership.user_id == user.id)
    ).all()
    roles = {org_id: Role(role) for org_id, role in rows}
    cache[user.id] = roles
    return roles


def forget_roles() -> None:
    db.session.info.pop(ROLES_KEY, None)


def _membership_changed(mapper: Any, connection: Any, membership: Membership) -> None:
    # A membership written in this session (granted, changed, removed) is seen at once by
    # the next permission check of the same request, whoever made the change.
    session = object_session(membership)
    if session is not None:
        session.info.pop(ROLES_KEY, None)


def _rolled_back(session: Session, transaction: Any) -> None:
    # Roles read after a membership change that is then rolled back must not survive it.
    session.info.pop(ROLES_KEY, None)


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


def is_own(user: User, obj: Any, action: Action | None = None) -> bool:
    """Did `user` ask for `obj`: request the checkpoint (or, to approve it, approve it once
    already: a second approval is another person's), or author the decision (its first entry,
    or any entry since its last approval: what waits for approval is theirs too)?"""
    if isinstance(obj, Checkpoint):
        if action == Action.APPROVE_CHECKPOINT and obj.first_approved_by_id == user.id:
            return True
        return obj.requested_by_id == user.id
    if isinstance(obj, Decision):
        if obj.thread_id is None or obj.id is None:
            return obj.decided_by_id == user.id
        return user.id in _decision_authors(obj)
    return False


def _decision_authors(entry: Decision) -> set[int]:
    """Who recorded the decision, and who changed it since its last approval, up to `entry`."""
    last_approval = (
        db.select(db.func.coalesce(db.func.max(Decision.seq), 0))
        .where(
            Decision.thread_id == entry.thread_id,
            Decision.change == "approval",
            Decision.seq <= entry.seq,
        )
        .scalar_subquery()
    )
    rows = db.session.scalars(
        db.select(Decision.decided_by_id).where(
            Decision.thread_id == entry.thread_id,
            Decision.seq <= entry.seq,
            db.or_(Decision.id == entry.thread_id, Decision.seq > last_approval),
        )
    )
    return set(rows)


def can(user: User | None, action: Action | str, obj: OrganizationOwned | Any = None) -> bool:
    """May `user` do `action` on `obj` (anything with an organization_id, or None for global)?
    For DECIDE_CHECKPOINT and APPROVE_DECISION on a checkpoint or a decision's current entry,
    the answer includes the second-person rule."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    action = Action(action)
    if action is not Action.READ and viewing_the_past():
        return False  # the past is read, never changed (governance/as_of)
    if action in SECOND_PERSON and obj is not None and is_own(user, obj, action):
        return False
    if user.is_admin:
        return True
    if obj is None:
        return False
    org_id = obj.id if isinstance(obj, Organization) else obj.organization_id
    role = role_in(user, org_id)
    return role is not None and role in ROLE_TABLE[action]


def require(
    user: User, action: Action, obj: Any, refusal: str, *, field: str | None = None
) -> None:
    """What an operation calls first: raise NotAllowed unless `can` says yes. `refusal` says
    what the role lacks; a refusal by the second-person rule says that instead."""
    if can(user, action, obj):
        return
    if action in SECOND_PERSON and can(user, Action.DECIDE, obj):
        raise NotAllowed(SECOND_PERSON[action], field=field)
    raise NotAllowed(refusal, field=field)


def organization_ids_where(user: User, action: Action) -> list[int] | None:
    """The organizations where the user's role allows `action`; None means all (the admin)."""
    if user.is_admin:
        return None
    allowed = ROLE_TABLE[action]
    return [org_id for org_id, role in roles_by_organization(user).items() if role in allowed]


def checkpoints_to_decide(user: User) -> list[Any]:
    """`can(user, APPROVE_CHECKPOINT, checkpoint)` as SQL conditions on Checkpoint, for the
    review queue: a deciding role in its organization, requested by someone else, and not
    approved once by this person already (a second approval is another person's)."""
    scope: list[Any] = [
        Checkpoint.requested_by_id != user.id,
        # Approved once by this person: it waits on someone else now.
        db.or_(
            Checkpoint.first_approved_by_id.is_(None), Checkpoint.first_approved_by_id != user.id
        ),
    ]
    org_ids = organization_ids_where(user, Action.DECIDE_CHECKPOINT)
    if org_ids is not None:
        scope.append(Checkpoint.organization_id.in_(org_ids))
    return scope


def visible_organization_ids(user: User) -> list[int] | None:
    """None means every organization (the admin)."""
    if user.is_admin:
        return None
    return list(roles_by_organization(user))


def someone_who_may(action: Action, organization_id: int) -> User | None:
    """A person who may do `action` in the organization: its first member whose role allows
    it, else the first admin. The demo data loaders act as this person, so the operations'
    own checks hold for them as for anyone."""
    roles = [role.value for role in ROLE_TABLE[action]]
    member = db.session.scalar(
        db.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.role.in_(roles))
        .order_by(User.id)
        .limit(1)
    )
    if member is not None:
        return member
    return db.session.scalar(db.select(User).where(User.is_admin).order_by(User.id).limit(1))


@dataclass(frozen=True)
class Offer:
    """What a page offers for an action on an object: nothing when the person's role could
    never take it (`shown` is false), a disabled control saying why when it cannot be taken
    now (`reason`), or the control itself (`allowed`)."""

    shown: bool
    reason: str | None = None

    @property
    def allowed(self) -> bool:
        return self.shown and self.reason is None


NotNow = Callable[[User, Any], "str | None"]
# Why an action cannot be taken on an object right now: a state rule, not a role. Each area
# registers its checks beside its rules (`@not_now(Action.REQUEST_CHECKPOINT)`), so a page asks
# `offer` and never re-derives a rule in a template.
_NOT_NOW: dict[Action, list[NotNow]] = defaultdict(list)


def not_now(action: Action) -> Callable[[NotNow], NotNow]:
    def register(check: NotNow) -> NotNow:
        _NOT_NOW[action].append(check)
        return check

    return register


def offer(user: User | None, action: Action | str, obj: Any = None) -> Offer:
    """`can`, plus the reason a permitted action cannot be taken now. A refusal by the
    second-person rule is shown with its reason to those whose role decides: knowing that
    someone else must approve is useful; a role that could never act sees nothing."""
    action = Action(action)
    if not can(user, action, obj):
        if (
            user is not None
            and action in SECOND_PERSON
            and obj is not None
            and can(user, Action.DECIDE, obj)
        ):
            return Offer(True, SECOND_PERSON[action])
        return Offer(False)
    for check in _NOT_NOW.get(action, ()):
        reason = check(user, obj)  # type: ignore[arg-type]
        if reason:
            return Offer(True, reason)
    return Offer(True)
