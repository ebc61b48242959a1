"""The database: column types and mixins every model shares, and connection settings that
keep concurrent writers safe and SQLite honest."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from governance.extensions import db

# While a loader replays history (the demo's story), the moment it replays: see `as_of`.
_replayed_moment: ContextVar[datetime | None] = ContextVar("replayed_moment", default=None)


def utcnow() -> datetime:
    """Now: the time every write records (timestamps, the audit trail, the decision log), or,
    inside `as_of`, the past moment being replayed."""
    return _replayed_moment.get() or datetime.now(UTC)


@contextlib.contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Record what happens inside as having happened at `moment` (the demo loader tells its
    story at the story's dates). History only: a moment in the future is refused."""
    if moment.tzinfo is None:
        raise ValueError("as_of needs an aware datetime (UTC)")
    if moment > datetime.now(UTC):
        raise ValueError(f"as_of({moment.isoformat()}) is in the future")
    token = _replayed_moment.set(moment)
    try:
        yield
    finally:
        _replayed_moment.reset(token)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no time zone, PostgreSQL must agree."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """An enumeration stored as its string values, with a CHECK constraint on both databases."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=enum.__name__.lower(),
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps `version`.

    A save that started from an older version is refused (StaleDataError at flush, or a
    ConflictError from the operations when the form carried an older version), so two people
    editing one record can never silently overwrite each other.
    """

    version: Mapped[int] = mapped_column(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside one writer; the busy timeout makes a second writer wait
    # instead of failing at once with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)
