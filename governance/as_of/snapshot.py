"""An organization as it stood at a past moment, rebuilt from its audit trail and its logs.

Nothing here reads today's rows of an audited record: each record is replayed from its audit
events (the insert's snapshot, then every change of a field, until a delete) up to the moment.
What is never changed once written (the decision log, the audit trail itself, observations,
incident timelines, OpenLineage events) is copied as far as it reached then.

The result is a database of its own (SQLite in memory, the current schema without its
constraints), and `viewing_as_of` makes it `db.session` for a while: every page, query, figure
and rule then reads the past through the code that reads the present, so the two cannot tell
different stories. The exit criteria's rules are evaluated again in it, on the moment's date.
Writes inside go to the throwaway copy; the views offer none (governance/permissions.py
allows only reading while the past is viewed).

The past does not change (the audit trail is append-only), so a rebuilt moment is kept and
reused while no event has been added since (see `_key`).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from governance.audit import AuditEvent
from governance.database import VIEWING_AS_OF, as_of
from governance.extensions import db

# Rebuilt moments kept per process (each is an in-memory database of one organization).
KEPT = 4
BATCH = 2000

# Logs and measurements, never updated once written: copied up to the moment by the column
# saying when the tracker learnt of each row.
APPEND_ONLY = {
    "decision": "created_at",
    "audit_event": "occurred_at",
    "observation": "received_at",
    "incident_event": "recorded_at",
    "lineage_event": "received_at",
    # an artifact's latest facets (rewritten by each event): kept when observed by the moment
    "lineage_facets": "observed_at",
}
# OpenLineage runs are kept up to date by the events they receive (never audited): a run that
# had started by the moment is copied as it is now. The one approximation; see README.
RUNS = "lineage_run"

_MOMENT_FORMATS = "YYYY-MM-DD or an ISO timestamp such as 2026-05-01T09:30:00Z"


class MomentError(ValueError):
    """A moment people asked for that cannot be shown; the message says why, for them."""


def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """`?as_of=` as a moment in UTC: a date means the end of that day (what stood when the day
    was over); a timestamp without an offset is UTC. The future is refused; today's end is now."""
    now = now or datetime.now(UTC)
    text = (text or "").strip()
    if not text:
        raise MomentError(f"Enter a date ({_MOMENT_FORMATS}).")
    if len(text) > 40:
        raise MomentError(f"That is not a date: use {_MOMENT_FORMATS}.")
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise MomentError(f"That is not a date: use {_MOMENT_FORMATS}.") from None
    if moment.year < 1900:
        raise MomentError("Enter a date after 1900.")
    if moment.date() > now.date():
        raise MomentError("That date is in the future: the tracker knows only the past.")
    return min(moment, now)


# ---- the schema of a rebuilt moment --------------------------------------------------------

_lenient: sa.MetaData | None = None


def _schema() -> sa.MetaData:
    """The current tables with their columns and indexes, without NOT NULL, foreign keys,
    unique or check constraints: a record rebuilt from an older trail may lack a column a
    later migration added, or point at one that was never copied."""
    global _lenient
    if _lenient is None:
        lenient = sa.MetaData()
        for table in db.metadata.sorted_tables:
            columns = [
                sa.Column(c.name, _plain_type(c.type), primary_key=c.primary_key, nullable=True)
                for c in table.columns
            ]
            copy = sa.Table(table.name, lenient, *columns)
            for index in table.indexes:
                names = [c.name for c in index.columns]
                if names:
                    sa.Index(f"{index.name}_asof", *(copy.c[n] for n in names))
        _lenient = lenient
    return _lenient


def _plain_type(type_: Any) -> Any:
    # An enumeration's CHECK constraint names the constraint once per database: not wanted.
    if isinstance(type_, sa.Enum):
        return sa.String(type_.length or 32)
    return type_


def _audited_tables() -> dict[str, sa.Table]:
    return {
        mapper.local_table.name: mapper.local_table
        for mapper in db.Model.registry.mappers  # type: ignore[attr-defined]
        if getattr(mapper.class_, "__audited__", False)
        and mapper.local_table.name not in APPEND_ONLY
    }


# ---- replaying the audit trail -------------------------------------------------------------


@dataclass
class _Record:
    values: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass
class Rebuilt:
    """One organization at one moment: a database of its own and what went into it."""

    organization_id: int
    moment: datetime
    engine: sa.Engine
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: dict[str, int] = field(default_factory=dict)  # table → rows rebuilt
    copied: dict[str, int] = field(default_factory=dict)  # table → log rows copied
    # records changed in the trail whose insert came before the trail (nothing to replay)
    unknown_origin: int = 0


def _trail(organization_id: int, moment: datetime) -> sa.Select[Any]:
    event = AuditEvent.__table__.c
    return (
        sa.select(AuditEvent.__table__)
        .where(
            event.occurred_at <= moment,
            sa.or_(
                event.organization_id == organization_id,
                sa.and_(event.record_type == "organization", event.record_id == organization_id),
                event.record_type == "user",
            ),
        )
        .order_by(event.id)
    )


def replay(
    rows: Iterator[Any], tables: dict[str, sa.Table]
) -> tuple[dict[str, dict[int, _Record]], int]:
    """Fold audit events (in the order they were written) into each record's state."""
    records: dict[str, dict[int, _Record]] = {name: {} for name in tables}
    unknown: set[tuple[str, int]] = set()
    for row in rows:
        kept = records.get(row.record_type)
        if kept is None:
            continue
        if row.action == "insert":
            kept[row.record_id] = _Record(
                json.loads(row.new_value or "{}"), row.occurred_at, row.occurred_at
            )
        elif row.action == "delete":
            kept.pop(row.record_id, None)
        else:
            record = kept.get(row.record_id)
            if record is None:
                unknown.add((row.record_type, row.record_id))
                continue
            record.values[row.field] = row.new_value
            if row.occurred_at != record.updated_at:
                record.version += 1
            record.updated_at = row.occurred_at
    return records, len(unknown)


def typed(column: sa.Column[Any], raw: str | None) -> Any:
    """A value as the audit trail wrote it (governance/audit.py `_text`), typed again."""
    if raw is None:
        return None
    type_ = column.type
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sa.JSON):
        try:
            return json.loads(raw)
        except ValueError:  # a plain string the trail kept as it was
            return raw
    try:
        python = type_.python_type
    except NotImplementedError:
        return raw
    if issubclass(python, Enum):
        return raw  # stored as its value, which is what the trail kept
    if python is bool:
        return raw in ("True", "true", "1")
    if python is int:
        return int(raw)
    if python is float:
        return float(raw)
    if python is Decimal:
        return Decimal(raw)
    if python is datetime:
        moment = datetime.fromisoformat(raw)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if python is date:
        return date.fromisoformat(raw[:10])
    return raw


def _default(column: sa.Column[Any]) -> Any:
    """A column the trail's snapshot lacks (a later migration added it): its default."""
    default = column.default
    if default is not None and default.is_scalar:
        return default.arg  # type: ignore[attr-defined]
    server = column.server_default
    text = getattr(server, "arg", None)
    if isinstance(text, str):
        return typed(column, text.strip("'"))
    return None


def _rows(table: sa.Table, records: dict[int, _Record]) -> list[dict[str, Any]]:
    rows = []
    for record_id, record in records.items():
        row: dict[str, Any] = {}
        for column in table.columns:
            name = column.name
            if name == "id":
                row[name] = record_id
            elif name in record.values:
                row[name] = typed(column, record.values[name])
            elif name == "created_at":
                row[name] = record.created_at
            elif name == "updated_at":
                row[name] = record.updated_at
            elif name == "version":
                row[name] = record.version
            else:
                row[name] = _default(column)
        rows.append(row)
    return rows


def _copy_logs(organization_id: int, moment: datetime, target: sa.Connection) -> dict[str, int]:
    source = db.session.connection()
    copied: dict[str, int] = {}
    for name, when in APPEND_ONLY.items():
        if name == "audit_event":
            query = _trail(organization_id, moment)
        else:
            table = db.metadata.tables[name]
            query = (
                sa.select(table)
                .where(table.c.organization_id == organization_id, table.c[when] <= moment)
                .order_by(*table.primary_key.columns)
            )
        copied[name] = _stream(source, query, target, name)
    runs = db.metadata.tables[RUNS]
    started = sa.func.coalesce(runs.c.started_at, runs.c.state_at, runs.c.last_event_at)
    run_ids = sa.select(runs.c.id).where(
        runs.c.organization_id == organization_id, started <= moment
    )
    copied[RUNS] = _stream(
        source, sa.select(runs).where(runs.c.id.in_(run_ids)).order_by(runs.c.id), target, RUNS
    )
    datasets = db.metadata.tables["lineage_run_dataset"]
    copied[datasets.name] = _stream(
        source,
        sa.select(datasets).where(datasets.c.run_id.in_(run_ids)).order_by(datasets.c.id),
        target,
        datasets.name,
    )
    return copied


def _stream(source: sa.Connection, query: sa.Select[Any], target: sa.Connection, name: str) -> int:
    table = _schema().tables[name]
    count = 0
    result = source.execution_options(yield_per=BATCH).execute(query)
    for batch in result.mappings().partitions(BATCH):
        target.execute(sa.insert(table), [dict(row) for row in batch])
        count += len(batch)
    return count


def rebuild(organization_id: int, moment: datetime) -> Rebuilt:
    """The organization at `moment`, in a database of its own, rules evaluated on that day."""
    engine = sa.create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    schema = _schema()
    schema.create_all(engine)
    tables = _audited_tables()
    trail = (
        db.session.connection()
        .execution_options(yield_per=BATCH)
        .execute(_trail(organization_id, moment))
    )
    records, unknown = replay(iter(trail), tables)
    rebuilt = Rebuilt(organization_id, moment, engine, unknown_origin=unknown)
    with engine.begin() as target:
        for name, table in tables.items():
            rows = _rows(table, records[name])
            if rows:
                target.execute(sa.insert(schema.tables[name]), rows)
            rebuilt.records[name] = len(rows)
        rebuilt.copied = _copy_logs(organization_id, moment, target)
    _evaluate_rules(rebuilt)
    return rebuilt


def _evaluate_rules(rebuilt: Rebuilt) -> None:
    """The rules' results as they would have been read on the moment's day."""
    from governance.gates.state import evaluate_initiatives
    from governance.portfolio.models import Initiative

    with Session(bind=rebuilt.engine) as session, _as_db_session(session), as_of(rebuilt.moment):
        session.info[VIEWING_AS_OF] = rebuilt.moment
        ids = list(session.scalars(sa.select(Initiative.id)))
        evaluate_initiatives(ids, rebuilt.moment.date(), session)
        session.commit()


@contextlib.contextmanager
def _as_db_session(session: Session) -> Iterator[None]:
    # The rules, pages and queries read `db.session`: for a while, it is this one.
    real = db.session()
    db.session.registry.set(session)  # type: ignore[arg-type]
    try:
        yield
    finally:
        db.session.registry.set(real)


# ---- keeping and viewing rebuilt moments ---------------------------------------------------

_kept: OrderedDict[tuple[Any, ...], Rebuilt] = OrderedDict()
_kept_lock = threading.Lock()


def _key(organization_id: int, moment: datetime) -> tuple[Any, ...]:
    # A moment is rebuilt again when anything was written since (a replayed story may add
    # events in the past): the newest audit event and decision say so in one query.
    latest = db.session.execute(
        sa.select(
            sa.select(sa.func.max(AuditEvent.id)).scalar_subquery(),
            sa.select(sa.func.max(db.metadata.tables["decision"].c.id)).scalar_subquery(),
        )
    ).one()
    return (db.engine.url.render_as_string(), organization_id, moment, *latest)


def rebuilt(organization_id: int, moment: datetime) -> Rebuilt:
    key = _key(organization_id, moment)
    with _kept_lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    made = rebuild(organization_id, moment)
    with _kept_lock:
        _kept[key] = made
        while len(_kept) > KEPT:
            _, old = _kept.popitem(last=False)
            old.engine.dispose()
    return made


def forget() -> None:
    """Drop every kept moment (tests that rewrite history use it)."""
    with _kept_lock:
        while _kept:
            _, old = _kept.popitem()
            old.engine.dispose()


@contextlib.contextmanager
def viewing_as_of(organization_id: int, moment: datetime) -> Iterator[Session]:
    """Inside, `db.session` is the organization as it stood at `moment` (read it, do not keep
    objects from it past the block) and `utcnow()` is that moment. Who may see what is still
    decided by today's memberships: the roles already read in this request are carried in."""
    from governance.permissions import ROLES_KEY

    moment_rebuilt = rebuilt(organization_id, moment)
    real = db.session()
    session = Session(bind=moment_rebuilt.engine, autoflush=False)
    session.info[VIEWING_AS_OF] = moment
    if ROLES_KEY in real.info:
        session.info[ROLES_KEY] = real.info[ROLES_KEY]
    with moment_rebuilt.lock, _as_db_session(session):
        try:
            with as_of(moment):
                yield session
        finally:
            session.rollback()
            session.close()
