"""Users, their memberships of organizations, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from governance.enums import Role
from governance.errors import DomainError
from governance.extensions import db
from governance.people.models import ApiToken, Membership, User
from governance.people.sessions import end_sessions
from governance.portfolio.models import Organization

TOKEN_PREFIX = "gov_"  # noqa: S105 — a label, not a secret


MIN_PASSWORD = 8


def create_user(email: str, name: str, password: str, *, is_admin: bool = False) -> User:
    email = email.strip().lower()
    if db.session.scalar(db.select(User.id).where(User.email == email)) is not None:
        raise DomainError(f"A user with the email {email} already exists.", field="email")
    _check_new_password(password, "password")
    user = User(email=email, name=name.strip() or email, is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _check_new_password(password: str, field: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            f"The password must have at least {MIN_PASSWORD} characters.", field=field
        )


def change_password(user: User, current: str, new: str, *, keep_session: str | None) -> User:
    """A person changes their own password; every other session of theirs ends (whoever
    knew the old password, or holds a copied cookie, is out), the one they use stays."""
    if not user.check_password(current):
        raise DomainError("That is not your current password.", field="current_password")
    _check_new_password(new, "new_password")
    user.set_password(new)
    end_sessions(user, keep=keep_session)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def set_membership(user: User, org: Organization, role: Role) -> Membership:
    membership = db.session.scalar(
        db.select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == org.id
        )
    )
    if membership is None:
        membership = Membership(user=user, organization=org, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    return membership


def remove_membership(membership: Membership) -> None:
    db.session.delete(membership)
    db.session.flush()


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is safe and lets us look them up by hash.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    user: User, org: Organization | None = None, name: str = ""
) -> tuple[ApiToken, str]:
    """A new API token; the plain token is returned once and never stored."""
    if org is not None and not user.is_admin:
        member = db.session.scalar(
            db.select(Membership.id).where(
                Membership.user_id == user.id, Membership.organization_id == org.id
            )
        )
        if member is None:
            raise DomainError(f"{user.email} is not a member of {org.slug}.")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        organization=org,
        name=name,
        prefix=plain[:10],
        token_hash=hash_token(plain),
    )
    db.session.add(token)
    db.session.flush()
    return token, plain


def find_token(plain: str) -> ApiToken | None:
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def deactivation_refused(user: User, by: User) -> str | None:
    """Why `by` may not deactivate `user`, or None: nobody locks themselves out."""
    return "You cannot deactivate your own account." if user.id == by.id else None


def set_active(user: User, active: bool, by: User) -> User:
    refusal = deactivation_refused(user, by) if not active else None
    if refusal:
        raise DomainError(refusal)
    user.active = active
    if not active:
        # Reactivating must not bring yesterday's cookies back to life.
        end_sessions(user)
    db.session.flush()
    return user
