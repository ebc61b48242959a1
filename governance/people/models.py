"""People: users, who belongs to which organization in which role, and API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from governance.database import Timestamps, UTCDateTime, Versioned, enum_type, utcnow
from governance.enums import Role
from governance.extensions import db

if TYPE_CHECKING:
    from governance.portfolio.models import Organization

# scrypt with a per-password salt. The app factory applies its PASSWORD_HASH_METHOD setting
# here (tests choose a cheaper method for speed), so the model never reads the app's config.
_hash_method = "scrypt"
# A hash of a random password per method: checking a password against it costs what checking a
# real account's costs, so a wrong email takes as long as a wrong password.
_nobody_hashes: dict[str, str] = {}


def use_password_hash_method(method: str) -> None:
    global _hash_method
    _hash_method = method


def check_nobody_password(password: str) -> bool:
    """Spend a real password check's time on an email that has no (active) account."""
    method = _hash_method
    if method not in _nobody_hashes:
        _nobody_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_nobody_hashes[method], password)
    return False


class User(UserMixin, Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "user"
    __audited__ = True
    # `session_key` below is a plain attribute, not a column.
    __allow_unmapped__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The key of the signed-in session this request came with (see people/sessions.py).
    session_key: str | None = None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=_hash_method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the session cookie and hands it back to the user loader:
        # the server-side session's key, never the user's id, so ending that session on the
        # server ends the cookie too, copies included.
        if self.session_key is None:
            raise RuntimeError("Sign in through people.sessions.start_session first.")
        return self.session_key

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "membership"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role))

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A Bearer token. Only its SHA-256 is kept: the token itself is shown once."""

    __tablename__ = "api_token"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organization: Mapped[Organization | None] = relationship()


class UserSession(db.Model):  # type: ignore[name-defined]
    """A signed-in browser. The cookie carries a random key; only its SHA-256 is kept here, and
    the session holds while `ended_at` is empty (logout, a password change and deactivation
    set it)."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailure(db.Model):  # type: ignore[name-defined]
    """Failed sign-ins per email (existing account or not, so a lockout tells nothing about
    who has one), kept in the database so every worker and server counts the same ones."""

    __tablename__ = "sign_in_failure"

    # SHA-256 of the normalised email: what people mistyped is not kept.
    account: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyKey(db.Model):  # type: ignore[name-defined]
    """An API POST's `Idempotency-Key` and the answer it got (api/idempotency.py). One key per
    user: a second request with it gets the stored answer, or a refusal when it differs."""

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    # Named apart from `organization_id` on purpose: claiming a key changes no organization's
    # data, so it must not renew its data version (rollups.py watches that attribute name).
    scope_organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(255))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    # Empty while the first request is still running.
    status: Mapped[int | None] = mapped_column()
    body: Mapped[str | None] = mapped_column(sa.Text)
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
