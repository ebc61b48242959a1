"""The audit trail: one row per change to any tracked record, never updated."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from governance.database import UTCDateTime, as_of, utcnow
from governance.extensions import db


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_record", "record_type", "record_id"),
        sa.Index("ix_audit_event_org_time", "organization_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column()
    record_type: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(8))
    field: Mapped[str | None] = mapped_column(sa.String(64))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)


# Outside a request (CLI, seed, scripts) the actor is this context variable; inside one the
# web layer records it in the session's `info`, which dies with the request's session (removed
# when the request ends) so an actor can never leak into the next request.
_actor_var: ContextVar[int | None] = ContextVar("current_actor_id", default=None)
_ACTOR = "governance.actor_id"


def set_request_actor(user_id: int | None) -> None:
    """Who acts in this request (the signed-in user, the API token's user)."""
    if user_id is None:
        db.session.info.pop(_ACTOR, None)
    else:
        db.session.info[_ACTOR] = user_id


def current_actor(session: Session) -> int | None:
    """The request's actor recorded on `session`, else the one `acting_as` names."""
    actor = session.info.get(_ACTOR)
    return int(actor) if actor is not None else _actor_var.get()


# Never copied into the trail: the trail is readable by every member of an organization.
REDACTED = {"password_hash", "token_hash"}

# Bookkeeping columns whose changes say nothing a reader needs.
SKIPPED = {"id", "version", "created_at", "updated_at"}
# ... and derived facts kept for the pages (a rule's result: governance/gates/state.py).
SKIPPED |= {"rule_passed", "rule_result", "rule_checked_on", "rule_holds_until"}
SKIPPED |= {"rule_passing_since"}


@contextlib.contextmanager
def acting_as(user_id: int | None, at: datetime | None = None) -> Iterator[None]:
    """Outside a request, who acts (and, for replayed history such as the demo, when: see
    governance.database.as_of)."""
    token = _actor_var.set(user_id)
    try:
        with as_of(at) if at is not None else contextlib.nullcontext():
            yield
            if at is not None:
                # Audit events are written at flush: replayed history is flushed in its moment.
                db.session.flush()
    finally:
        _actor_var.reset(token)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _columns(obj: Any) -> list[str]:
    # Table columns only: a SQL expression mapped on the model (ExitCriterion.state) is derived.
    return [
        attr.key
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in SKIPPED and isinstance(attr.expression, sa.Column)
    ]


def _value(obj: Any, key: str) -> str | None:
    return "[redacted]" if key in REDACTED else _text(getattr(obj, key))


def _snapshot(obj: Any) -> str:
    return json.dumps({key: _value(obj, key) for key in _columns(obj)}, sort_keys=True)


def _org_id(obj: Any) -> int | None:
    value = getattr(obj, "organization_id", None)
    return value if isinstance(value, int) else None


def _events_for(session: Session) -> list[dict[str, Any]]:
    actor = current_actor(session)
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def row(obj: Any, action: str, **values: Any) -> None:
        rows.append(
            {
                "occurred_at": now,
                "actor_id": actor,
                "organization_id": _org_id(obj),
                "record_type": obj.__tablename__,
                "record_id": obj.id,
                "action": action,
                "field": None,
                "old_value": None,
                "new_value": None,
                **values,
            }
        )

    for obj in session.new:
        if getattr(obj, "__audited__", False):
            row(obj, "insert", new_value=_snapshot(obj))
    for obj in session.dirty:
        if not getattr(obj, "__audited__", False) or not session.is_modified(obj):
            continue
        state = inspect(obj)
        for key in _columns(obj):
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            if key in REDACTED:
                row(obj, "update", field=key, old_value="[redacted]", new_value="[redacted]")
            else:
                row(obj, "update", field=key, old_value=_text(old), new_value=_text(new))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            row(obj, "delete", old_value=_snapshot(obj))
    return rows


def _after_flush(session: Session, flush_context: Any) -> None:
    # after_flush: primary keys of new rows are known and histories are still intact.
    rows = _events_for(session)
    if rows:
        session.connection().execute(sa.insert(AuditEvent.__table__), rows)


def install(session_class: Any) -> None:
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
