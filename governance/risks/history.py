"""A risk's history: its audit events (governance/audit.py) told in the users' words.

Who changed what, when, from which value to which: field names as the form calls them, people
and initiatives by name, categories and statuses as the pages label them. Newest first, capped,
with the count of every event, in four queries whatever the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.enums import label
from governance.extensions import db
from governance.people.models import User
from governance.portfolio.models import Initiative
from governance.risks.models import Risk

HISTORY_SHOWN = 50

FIELDS = {
    "title": "title",
    "description": "description",
    "category": "category",
    "likelihood": "likelihood",
    "impact": "impact",
    "owner_id": "owner",
    "mitigation": "mitigation",
    "status": "status",
    "initiative_id": "initiative",
}
LABELLED = {"category", "status"}  # stored as enum values: shown as the pages label them


@dataclass
class HistoryEntry:
    occurred_at: datetime
    who: str
    what: str  # "changed the impact", "added the risk to the register"
    old: str | None = None  # None for an event that is not a change of one field
    new: str | None = None


@dataclass
class RiskHistory:
    entries: list[HistoryEntry]
    total: int  # every event of the risk, not only those shown


def risk_history(risk: Risk, limit: int = HISTORY_SHOWN) -> RiskHistory:
    where = [AuditEvent.record_type == Risk.__tablename__, AuditEvent.record_id == risk.id]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*where))
    events = list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
    people = _names(User, {e.actor_id for e in events if e.actor_id} | _ids(events, "owner_id"))
    initiatives = _names(Initiative, _ids(events, "initiative_id"))

    def value(field: str, raw: str | None) -> str:
        if raw is None or raw == "":
            return {"owner_id": "nobody", "initiative_id": "the whole organization"}.get(
                field, "nothing"
            )
        if field == "owner_id":
            return people.get(int(raw), "a former user")
        if field == "initiative_id":
            return initiatives.get(int(raw), "a removed initiative")
        return label(raw) if field in LABELLED else raw

    entries = []
    for event in events:
        who = people.get(event.actor_id, "a former user") if event.actor_id else "The system"
        if event.action == "insert":
            entry = HistoryEntry(event.occurred_at, who, "added the risk to the register")
        elif event.action == "delete":
            entry = HistoryEntry(event.occurred_at, who, "removed the risk")
        elif event.field in FIELDS:
            entry = HistoryEntry(
                event.occurred_at,
                who,
                f"changed the {FIELDS[event.field]}",
                value(event.field, event.old_value),
                value(event.field, event.new_value),
            )
        else:  # a column people never see (the organization): not worth a line
            continue
        entries.append(entry)
    return RiskHistory(entries, int(total or 0))


def _ids(events: list[AuditEvent], field: str) -> set[int]:
    return {
        int(raw)
        for e in events
        if e.field == field
        for raw in (e.old_value, e.new_value)
        if raw and raw.isdigit()
    }


def _names(model: type[User] | type[Initiative], ids: set[int]) -> dict[int, str]:
    # Asked even for no id: the page issues as many queries whatever its history holds.
    return dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(ids))).all())
