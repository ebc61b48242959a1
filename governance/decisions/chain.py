"""The hash chain of each organization's decision log: building entries, appending, verifying.

The scheme itself (canonical serialization, SHA-256, timestamps) lives in governance/verify.py,
the self-contained verifier auditors run; this module imports it so there is one
implementation. An entry, as hashed and as exported in JSONL, is every column of the decision
row plus "organization" (the organization's slug, which never changes).

Appends are serialized per organization by a lock on the chain head, taken before the head is
read and held until the caller's transaction ends: PostgreSQL locks the organization's row
(FOR NO KEY UPDATE, so inserts elsewhere in the organization are not blocked); SQLite has one
writer at a time, so a no-op write takes its database lock. The organization row is the lock
rather than the newest entry because it exists before the first entry. Unique constraints on
(organization, seq) and (organization, prev_hash) make a fork impossible even for a writer that
skips the lock; such a loser retries from the new head.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from governance import rollups
from governance.database import utcnow
from governance.decisions.models import LIST_FIELDS, Decision
from governance.errors import AlreadyDecided
from governance.extensions import db
from governance.portfolio.models import Organization
from governance.verify import GENESIS_HASH, VerifyResult, entry_hash, format_timestamp
from governance.verify import verify_entries as _verify_entries

# Columns that are not part of what the hash covers: the hash itself.
_NOT_HASHED = {"hash"}


APPEND_ATTEMPTS = 20


def hashed_columns() -> list[str]:
    return [c.name for c in Decision.__table__.columns if c.name not in _NOT_HASHED]


def _plain(value: Any) -> Any:
    """A column value as the scheme hashes it: enums as strings, timestamps as UTC text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, float):
        raise TypeError("The decision log stores no floating-point numbers.")
    return value


def entry_from_values(values: dict[str, Any], organization_slug: str) -> dict[str, Any]:
    """The entry as hashed and exported: every column (but hash) and the organization's slug."""
    entry = {name: _plain(values.get(name)) for name in hashed_columns()}
    entry["organization"] = organization_slug
    if values.get("hash") is not None:
        entry["hash"] = values["hash"]
    return entry


def hashed_entry(decision: Decision, organization_slug: str) -> dict[str, Any]:
    """A stored decision row as the chain hashes it (and the exports and the API show it)."""
    return entry_from_values(
        {c.name: getattr(decision, c.key) for c in Decision.__table__.columns}, organization_slug
    )


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def lock_chain(organization_id: int) -> None:
    """Take the chain head lock of an organization until the transaction ends.

    The lock is the organization's data version row (governance/rollups.py), which every
    write in the organization takes anyway when it renews the version: appending to the log
    and the organization's other writes queue on one row, so two of them can never wait on
    each other in opposite orders. On SQLite the upsert takes the database's write lock."""
    rollups.renew(db.session.connection(), [organization_id])


def chain_head(organization_id: int) -> Head | None:
    row = db.session.execute(
        sa.select(Decision.seq, Decision.hash)
        .where(Decision.organization_id == organization_id)
        .order_by(Decision.seq.desc())
        .limit(1)
    ).first()
    return Head(row.seq, row.hash) if row else None


def _next_id() -> int:
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        allocated = session.scalar(
            sa.text("SELECT nextval(pg_get_serial_sequence('decision', 'id'))")
        )
        return int(allocated or 0)
    # SQLite: this transaction holds the database's only write lock (see lock_chain).
    next_id = session.scalar(sa.select(sa.func.coalesce(sa.func.max(Decision.id), 0) + 1))
    return int(next_id or 1)


def _check_still_latest(thread_id: int, revises_id: int) -> None:
    # Read under the chain lock: on PostgreSQL a new statement sees every commit made before
    # the lock was granted; on SQLite the writer's snapshot is the latest one.
    head = db.session.execute(
        sa.select(Decision)
        .where(Decision.thread_id == thread_id)
        .order_by(Decision.seq.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).scalar_one()
    if head.id == revises_id:
        return
    if head.change == "approval":
        message = f"Already decided: {head.approved_by_name} approved this decision first"
    elif head.change == "correction":
        message = f"Already changed: {head.decided_by_name} corrected this decision first"
    else:
        message = (
            f"Already decided: {head.decided_by_name} made this decision {head.status.value} first"
        )
    raise AlreadyDecided(f"{message} (entry #{head.seq}). Reload it to see where it stands.")


def append(organization: Organization, values: dict[str, Any]) -> Decision:
    """Append an entry with `values` (every column but id, seq, prev_hash, hash, created_at).

    Flushes, never commits; the chain head lock is held until the caller commits or rolls back.
    A revision (`revises_id` set) is a compare-and-set under that lock: it is appended only
    while the entry it revises is still the latest of its thread, so two people approving or
    correcting the same state cannot both succeed (the others get AlreadyDecided).
    """
    lock_chain(organization.id)
    if values.get("revises_id") is not None:
        _check_still_latest(values["thread_id"], values["revises_id"])
    last_error: IntegrityError | None = None
    for _attempt in range(APPEND_ATTEMPTS):
        head = chain_head(organization.id)
        row = dict(values)
        row["id"] = _next_id()
        if row.get("thread_id") is None:
            row["thread_id"] = row["id"]
        row["seq"] = head.seq + 1 if head else 1
        row["prev_hash"] = head.hash if head else GENESIS_HASH
        row["organization_id"] = organization.id
        # Stored and hashed at microsecond precision, which both databases keep.
        row["created_at"] = row.get("created_at") or utcnow()
        for name in LIST_FIELDS:
            row[name] = list(row.get(name) or [])
        row["details"] = dict(row.get("details") or {})
        row["hash"] = entry_hash(entry_from_values(row, organization.slug))
        decision = Decision(**row)
        try:
            with db.session.begin_nested():
                db.session.add(decision)
        except IntegrityError as error:
            # Another writer took this seq (it did not take the lock): retry from the new head.
            last_error = error
            continue
        return decision
    raise RuntimeError("Could not append to the decision log: too much contention.") from last_error


# ------------------------------------------------------------------------------ reading back


def iter_entries(organization: Organization, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every entry of the organization's log, in seq order, as the scheme hashes it."""
    table = Decision.__table__
    after = 0
    while True:
        rows = db.session.execute(
            sa.select(table)
            .where(table.c.organization_id == organization.id, table.c.seq > after)
            .order_by(table.c.seq)
            .limit(batch)
        ).mappings()
        count = 0
        for row in rows:
            count += 1
            after = row["seq"]
            yield entry_from_values(dict(row), organization.slug)
        if count < batch:
            return


def verify_organization(
    organization: Organization, anchor: tuple[int, str] | None = None
) -> VerifyResult:
    """Verify the log as stored, with the same code auditors run on an export."""
    return _verify_entries(iter_entries(organization), anchor)
