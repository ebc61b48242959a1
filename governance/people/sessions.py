"""Signed-in sessions, kept on the server so that ending one ends it for every copy of its
cookie: logout ends that session, a password change every other one, deactivation all."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from governance.database import utcnow
from governance.extensions import db
from governance.people.models import User, UserSession

# How stale `last_seen_at` may grow before a request writes it again: one write per session
# every few minutes, not one per request.
TOUCH_EVERY = timedelta(minutes=5)


def _digest(key: str) -> str:
    # The key is 256 random bits, so a fast hash suffices; a leaked table opens no session.
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new session for `user`; returns the key the cookie will carry (flushes)."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(key), user_id=user.id))
    db.session.flush()
    user.session_key = key
    return key


def session_user(key: str, idle: timedelta) -> User | None:
    """The active user of a session still open and used within `idle`, in one query; None
    otherwise (ended, unknown, idle too long, or the user deactivated)."""
    now = utcnow()
    row = db.session.execute(
        sa.select(User, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.id == _digest(key),
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > now - idle,
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user, last_seen = row
    if now - last_seen > TOUCH_EVERY:
        # On its own connection: the request's transaction stays the request's.
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(UserSession)
                .where(UserSession.id == _digest(key))
                .values(last_seen_at=now)
            )
    user.session_key = key
    return user


def end_session(key: str) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == _digest(key), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_sessions(user: User, *, keep: str | None = None) -> None:
    """End every open session of `user`, but the one whose key is `keep`."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != _digest(keep))
    db.session.execute(query.values(ended_at=utcnow()))
