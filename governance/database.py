"""The database: column types and mixins every model shares, and connection settings that
keep concurrent writers safe and SQLite honest."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from governance.extensions import db

# The key in a session's `info` saying it holds an organization as it stood at a past moment
# (governance/as_of/snapshot.py): such a session is read, never written.
VIEWING_AS_OF = "governance.viewing_as_of"


def viewing_the_past() -> bool:
    """Is this request's session an organization as it stood at a past moment?"""
    try:
        return db.session.registry.has() and VIEWING_AS_OF in db.session.info
    except RuntimeError:  # no application context: a script's own session
        return False


# While a loader replays history (the demo's story), the moment it replays: see `as_of`.
_replayed_moment: ContextVar[datetime | None] = ContextVar("replayed_moment", default=None)

# ---- what a column can hold: every input is checked against these before it reaches SQL ----

# The widest integer every integer column holds on both databases: PostgreSQL's `integer` ends
# at 2^31 - 1 (SQLite's at 2^63 - 1). An id, cursor or count past it names nothing that can exist.
INTEGER_MAX = 2**31 - 1
# Dates people may enter or filter by. Python's own range (years 1 to 9999) leaves no room for
# "the day after" in a filter or a due-soon window; no governance date lies outside these.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)
# PostgreSQL refuses NUL in text; SQLite would store it and every export would carry it.
NUL = "\x00"
# Bidirectional embedding, override and isolate controls: in a name they make what is shown
# differ from what is stored ("evil\u202egnp.exe"), so names refuse them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def in_integer_range(value: int) -> bool:
    return -INTEGER_MAX <= value <= INTEGER_MAX


def text_problem(value: str, *, name: bool = False) -> str | None:
    """Why `value` cannot be stored as text (a name when `name`), or None when it can."""
    if NUL in value:
        return "Remove the NUL character (\\0): text cannot contain it."
    if name and any(char in BIDI_CONTROLS for char in value):
        return (
            "Remove the text-direction control characters (U+202A-U+202E, U+2066-U+2069): "
            "a name cannot contain them."
        )
    return None


def nul_path(node: Any, path: str = "") -> str | None:
    """Where in a JSON value (a key or a string) a NUL hides, as a path (`a.b[2]`), or None."""
    if isinstance(node, str):
        return path if NUL in node else None
    children: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            children.append((here, value))
    elif isinstance(node, list):
        children = [(f"{path}[{index}]", value) for index, value in enumerate(node)]
    for here, value in children:
        found = nul_path(value, here)
        if found is not None:
            return found
    return None


def date_problem(value: date) -> str | None:
    if DATE_MIN <= value <= DATE_MAX:
        return None
    return f"Enter a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."


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
