"""Per-organization roll-ups, reused until that organization's data changes.

The portfolio aggregates every initiative of every client a person sees (5,000 at scale L);
recomputing all of it on every request costs hundreds of milliseconds, although a write
changes one organization at a time. So every flush that touches a row of an organization
gives that organization a new random data version in the same transaction (see `install`),
and a roll-up computed for an organization is kept, in this process, under the version it
was computed from (and the day, for figures that count what is overdue today). A request
reads the organizations' versions in one query, reuses what is current, and recomputes only
the organizations that changed, all of them in one set of queries.

The versions live in their own narrow table, `data_version`, not on the organization: a
write in an organization then neither updates nor, on PostgreSQL, locks the organization's
row, and leaves its `updated_at` and optimistic-locking `version` to edits of the
organization itself.

Reading the version before the data means a cached roll-up is never older than the version it
is filed under: a write committed in between only makes the next request recompute.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from governance.extensions import db

T = TypeVar("T")
Key = tuple[str, int]


class DataVersion(db.Model):  # type: ignore[name-defined]
    """An organization's current data version. An organization without a row (its rows were
    only ever bulk-loaded) has the version None, which its first write through the app
    replaces: the row is upserted by that write, whoever created the organization."""

    __tablename__ = "data_version"

    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(sa.String(16))


# Only the organization's id is read here: the roll-ups belong to no area.
_organization = sa.table("organization", sa.column("id", sa.Integer))


class RollupCache:
    """(kind, organization id) -> (data version, day, value); one per database, thread-safe.

    Values are data (counts, rows, figures). The one exception, kept because it was measured
    to pay, is an organization's dashboard figures, which keep their rendered JSON and table
    (governance/dashboards/figures.py, `_kept`).
    """

    def __init__(self) -> None:
        self._entries: dict[Key, tuple[str, date, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Key, version: str, today: date) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None or entry[0] != version or entry[1] != today:
            return False, None
        return True, entry[2]

    def put(self, key: Key, version: str, today: date, value: Any) -> None:
        with self._lock:
            self._entries[key] = (version, today, value)


# One cache per database engine, so two apps on two databases (as the tests have) never
# share organization ids; reached from the session, without an app or request context.
_caches: weakref.WeakKeyDictionary[Engine, RollupCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_for(engine: Engine) -> RollupCache:
    with _caches_lock:
        found = _caches.get(engine)
        if found is None:
            found = _caches[engine] = RollupCache()
        return found


# The versions read in the session's current transaction (see `install` for when it goes).
_MEMO = "governance.data_versions"


def data_versions(org_ids: list[int] | None) -> dict[int, str | None]:
    """organization id -> its data version. Read once per transaction (every organization's,
    one small query) whatever the number of roll-ups the page asks for, and read again after
    the transaction writes. None (no version yet) is a version like any other."""
    session = db.session()
    memo: dict[int, str | None] | None = session.info.get(_MEMO)
    if memo is None:
        query = sa.select(_organization.c.id, DataVersion.version).select_from(
            _organization.outerjoin(DataVersion, DataVersion.organization_id == _organization.c.id)
        )
        memo = {org_id: version for org_id, version in session.execute(query)}
        session.info[_MEMO] = memo
    if org_ids is None:
        return memo
    return {org_id: memo[org_id] for org_id in org_ids if org_id in memo}


def per_organization(
    kind: str,
    org_ids: list[int] | None,
    today: date,
    compute: Callable[[list[int]], dict[int, T]],
    empty: Callable[[], T],
) -> dict[int, T]:
    """organization id -> roll-up, for the organizations given (None: all of them).

    `compute(ids)` returns the roll-ups of those organizations in a bounded number of queries;
    an organization it leaves out gets `empty()`.
    """
    versions = data_versions(org_ids)
    store = cache_for(db.session().connection().engine)
    out: dict[int, T] = {}
    stale: list[int] = []
    for org_id, version in versions.items():
        hit, value = store.get((kind, org_id), version or "", today)
        if hit:
            out[org_id] = value
        else:
            stale.append(org_id)
    if stale:
        fresh = compute(stale)
        for org_id in stale:
            found = fresh.get(org_id)
            out[org_id] = empty() if found is None else found
            store.put((kind, org_id), versions[org_id] or "", today, out[org_id])
    return out


def by_organization(rows: Iterable[tuple[int, T]]) -> dict[int, list[T]]:
    """(organization id, row) pairs as organization id -> its rows, in order: what `compute`
    returns for a roll-up that is a list of rows."""
    out: dict[int, list[T]] = {}
    for org_id, row in rows:
        out.setdefault(org_id, []).append(row)
    return out


def one_organization(kind: str, org_id: int, today: date, compute: Callable[[], T]) -> T:
    """The roll-up of one organization (an organization's dashboard figure)."""
    result = per_organization(kind, [org_id], today, lambda _ids: {org_id: compute()}, compute)
    return result[org_id]


def new_version() -> str:
    return secrets.token_hex(8)


def renew(connection: Connection, org_ids: Iterable[int]) -> None:
    """Give these organizations a new data version, in the connection's transaction.

    An upsert, not an UPDATE: an organization that has no version yet gets one in the same
    statement, and on PostgreSQL two writers of one organization still serialize, the second
    waiting on the first's row (or, for a row both would insert, on the primary key) until
    the first commits, then taking its own new version; an UPDATE-then-INSERT would instead
    let both insert and fail one. Selecting the ids from `organization` skips an
    organization deleted in this same flush.
    """
    ids = sorted(set(org_ids))  # one order for every writer: no lock-order deadlocks
    if ids:
        connection.execute(_upsert(connection.dialect.name), {"ids": ids, "v": new_version()})


@cache
def _upsert(dialect_name: str) -> sa.Insert:
    """The statement `renew` runs, built once per dialect (building it costs more than
    running it)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = DataVersion.__table__
    rows = (
        sa.select(_organization.c.id, sa.bindparam("v", type_=sa.String(16)))
        .where(_organization.c.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(_organization.c.id)
    )
    upsert = dialect.insert(table).from_select(["organization_id", "version"], rows)
    return upsert.on_conflict_do_update(
        index_elements=[table.c.organization_id], set_={"version": upsert.excluded.version}
    )


def _touched_organizations(session: Session) -> set[int]:
    seen: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        org_id = getattr(obj, "organization_id", None)
        if isinstance(org_id, int):
            seen.add(org_id)
    return seen


def _after_flush(session: Session, _flush_context: Any) -> None:
    org_ids = _touched_organizations(session)
    if org_ids:
        session.info.pop(_MEMO, None)
        renew(session.connection(), org_ids)


def _after_transaction_end(session: Session, _transaction: Any) -> None:
    # Another transaction may commit new versions in between: read them again.
    session.info.pop(_MEMO, None)


def install(session_class: Any) -> None:
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
