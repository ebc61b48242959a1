"""Sign-in: checking a password so that timing tells nothing, and failures counted per
account in the database, so the limit holds across every worker and server.

After FREE_FAILURES failed sign-ins in a row for one email (whether it has an account or not,
so a lockout reveals nothing), that email is locked for LOCK_FIRST, doubling with each further
failure up to LOCK_MAX. A success clears the count; failures older than FORGET_AFTER are
forgotten. Per-address limits stay with Flask-Limiter (views.py), counted in
RATELIMIT_STORAGE_URI.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from governance.database import utcnow
from governance.extensions import db
from governance.people.models import SignInFailure, User, check_nobody_password

FREE_FAILURES = 5
LOCK_FIRST = timedelta(minutes=1)
LOCK_MAX = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


def _account(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None. An unknown email or an
    inactive account costs one password check too, with the same method and cost."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_nobody_password(password)
        return None
    matches = user.check_password(password)
    return user if matches and user.is_active else None


def locked_for(email: str, now: datetime | None = None) -> timedelta | None:
    """How long this email stays locked, or None when it may try now."""
    now = now or utcnow()
    until = db.session.scalar(
        sa.select(SignInFailure.locked_until).where(SignInFailure.account == _account(email))
    )
    return until - now if until is not None and until > now else None


def lockout_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed sign-ins for this email. For your safety it is locked for "
        f"{minutes} {unit}; try again then, or ask an admin to reset your password."
    )


def lock_length(failures: int) -> timedelta | None:
    if failures < FREE_FAILURES:
        return None
    return min(LOCK_MAX, LOCK_FIRST * 2 ** min(failures - FREE_FAILURES, 10))


def record_failure(email: str, now: datetime | None = None) -> timedelta | None:
    """Count a failed sign-in, atomically (two workers failing at once both count); return the
    lock it set, if any. Flushes through the session; the caller commits."""
    now = now or utcnow()
    table = SignInFailure.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(account=_account(email), failures=1, last_failure_at=now)
    forgotten = table.c.last_failure_at < now - FORGET_AFTER
    failures = db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.account],
            set_={
                "failures": sa.case((forgotten, 1), else_=table.c.failures + 1),
                "last_failure_at": now,
            },
        ).returning(table.c.failures)
    ).scalar_one()
    lock = lock_length(failures)
    if lock is not None:
        db.session.execute(
            sa.update(SignInFailure)
            .where(SignInFailure.account == _account(email))
            .values(locked_until=now + lock)
        )
    return lock


def clear_failures(email: str) -> None:
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.account == _account(email)))
