"""Per-organization roll-ups, reused until that organization's data changes.

The portfolio aggregates every initiative of every client a person sees (5,000 at scale L);
recomputing all of it on every request costs hundreds of milliseconds, although a write
changes one organization at a time. So every flush that touches a row of an organization
gives that organization a new random `data_version` in the same transaction (see
`install`), and a roll-up computed for an organization is kept, in this process, under the
version it was computed from (and the day, for figures that count what is overdue today).
A request reads the organizations' versions in one query, reuses what is current, and
recomputes only the organizations that changed, all of them in one set of queries.

Reading the version before the data means a cached roll-up is never older than the version it
is filed under: a write committed in between only makes the next request recompute.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from governance.extensions import db
from governance.portfolio.models import Organization

T = TypeVar("T")
Key = tuple[str, int]


class RollupCache:
    """(kind, organization id) -> (data version, day, value); one per app, thread-safe."""

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

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def cache() -> RollupCache:
    return current_app.extensions.setdefault("governance.rollups", RollupCache())


_MEMO = "governance.data_versions"


def data_versions(org_ids: list[int] | None) -> dict[int, str | None]:
    """organization id -> its data version. Read once per request (every organization's, one
    small query) whatever the number of roll-ups the page asks for, and read again after the
    request writes. None (rows only ever bulk-loaded, never written through the app) is a
    version like any other: the first write through the app replaces it."""
    memo: dict[int, str | None] | None = (
        request.environ.get(_MEMO) if has_request_context() else None
    )
    if memo is None:
        query = sa.select(Organization.id, Organization.data_version)
        memo = {org_id: version for org_id, version in db.session.execute(query)}
        if has_request_context():
            request.environ[_MEMO] = memo
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
    store = cache()
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


def _touched_organizations(session: Session) -> Iterable[int]:
    seen: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        org_id = getattr(obj, "organization_id", None)
        if isinstance(org_id, int):
            seen.add(org_id)
    return sorted(seen)  # one order for every writer: no lock-order deadlocks on PostgreSQL


def _after_flush(session: Session, _flush_context: Any) -> None:
    org_ids = list(_touched_organizations(session))
    if org_ids:
        if has_request_context():
            request.environ.pop(_MEMO, None)
        session.connection().execute(
            sa.update(Organization.__table__)
            .where(Organization.__table__.c.id.in_(org_ids))
            .values(data_version=new_version())
        )


def install(session_class: Any) -> None:
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)


def forget() -> None:
    """Drop this process's roll-ups (tests and benchmarks that write around the app)."""
    if has_app_context():
        cache().clear()
