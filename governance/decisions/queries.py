"""Read queries of the decision log: the filtered, searched, keyset-paginated list, a
decision's history, and the chain's head. A bounded number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from governance import rollups
from governance.decisions.chain import Head, chain_head
from governance.decisions.models import Decision
from governance.enums import DecisionImpact, DecisionStatus
from governance.extensions import db
from governance.people.models import User
from governance.portfolio.models import Initiative, Organization

# The expression migration 0002 indexes on PostgreSQL (keep both identical).
SEARCH_VECTOR = (
    "to_tsvector('english', title || ' ' || context || ' ' || decision || ' ' || rationale)"
)


@dataclass
class LogFilters:
    initiative_id: int | None = None
    status: DecisionStatus | None = None
    impact: DecisionImpact | None = None
    person_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    every_entry: bool = False

    def as_args(self) -> dict[str, Any]:
        """The filters as query-string arguments (for links to the next page, exports)."""
        args = {
            "initiative": self.initiative_id,
            "status": self.status.value if self.status else None,
            "impact": self.impact.value if self.impact else None,
            "person": self.person_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "q": self.q or None,
            "entries": "all" if self.every_entry else None,
        }
        return {key: value for key, value in args.items() if value is not None}


@dataclass
class LogRow:
    entry: Decision
    initiative_name: str | None


@dataclass
class LogPage:
    rows: list[LogRow]
    next_after: int | None
    filters: LogFilters
    head: Head | None
    total_entries: int


def is_current() -> sa.ColumnElement[bool]:
    """Where a `Decision` row is the current entry of its decision: no later entry in its
    thread. The one definition of "current", for queries over many decisions."""
    later = aliased(Decision)
    return ~sa.exists().where(later.thread_id == Decision.thread_id, later.seq > Decision.seq)


def current_entry(decision: Decision) -> Decision:
    """The latest entry of the decision's thread: the decision as it stands now."""
    latest = db.session.scalar(
        sa.select(Decision)
        .where(Decision.thread_id == decision.thread_id)
        .order_by(Decision.seq.desc())
        .limit(1)
    )
    assert latest is not None
    return latest


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def filtered(org: Organization, filters: LogFilters) -> sa.Select[Any]:
    query: sa.Select[Any] = sa.select(Decision, Initiative.name).outerjoin(  # type: ignore[assignment]
        Initiative, Initiative.id == Decision.initiative_id
    )
    query = query.where(Decision.organization_id == org.id)
    if not filters.every_entry:
        query = query.where(is_current())
    if filters.initiative_id is not None:
        query = query.where(Decision.initiative_id == filters.initiative_id)
    if filters.status is not None:
        query = query.where(Decision.status == filters.status)
    if filters.impact is not None:
        query = query.where(Decision.impact == filters.impact)
    if filters.person_id is not None:
        query = query.where(
            sa.or_(
                Decision.decided_by_id == filters.person_id,
                Decision.approved_by_id == filters.person_id,
            )
        )
    if filters.date_from is not None:
        query = query.where(Decision.created_at >= _day_start(filters.date_from))
    if filters.date_to is not None:
        query = query.where(Decision.created_at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.q.strip():
        query = query.where(_search(filters.q))
    return query


def _search(text: str) -> sa.ColumnElement[bool]:
    if db.session.get_bind().dialect.name == "postgresql":
        match = sa.text(f"{SEARCH_VECTOR} @@ websearch_to_tsquery('english', :q)")
        return cast(sa.ColumnElement[bool], match.bindparams(q=text))
    # SQLite: every word must appear somewhere in the title, context, decision or rationale.
    haystack = sa.func.lower(
        Decision.title + " " + Decision.context + " " + Decision.decision + " " + Decision.rationale
    )
    terms = [term for term in text.lower().split() if term][:8]
    return sa.and_(*(haystack.contains(term, autoescape=True) for term in terms))


def log_page(
    org: Organization, filters: LogFilters, after: int | None = None, limit: int = 50
) -> LogPage:
    """Newest first, keyset-paginated on seq: `after` is the last seq of the previous page."""
    query = filtered(org, filters).order_by(Decision.seq.desc()).limit(limit + 1)
    if after is not None:
        query = query.where(Decision.seq < after)
    rows = [LogRow(entry, name) for entry, name in db.session.execute(query).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Decision).where(Decision.organization_id == org.id)
    )
    return LogPage(
        rows=rows,
        next_after=rows[-1].entry.seq if more and rows else None,
        filters=filters,
        head=chain_head(org.id),
        total_entries=int(total or 0),
    )


def people_in_log(org: Organization) -> list[tuple[int, str]]:
    """Everyone who decided or approved an entry, for the "who" filter. Who they are is kept
    per organization until its log grows (a scan of the whole log otherwise); their names are
    read fresh, so a renamed person shows under the new name."""
    ids = rollups.one_organization(
        "decision_log_people", org.id, date.today(), lambda: _people_ids(org.id)
    )
    rows = db.session.execute(
        sa.select(User.id, User.name).where(User.id.in_(ids)).order_by(User.name, User.id)
    ).all()
    return [(uid, name) for uid, name in rows]


def _people_ids(org_id: int) -> list[int]:
    ids: sa.CompoundSelect[Any] = sa.union(
        sa.select(Decision.decided_by_id.label("uid")).where(Decision.organization_id == org_id),
        sa.select(Decision.approved_by_id.label("uid")).where(
            Decision.organization_id == org_id, Decision.approved_by_id.is_not(None)
        ),
    )
    return sorted(int(uid) for uid in db.session.scalars(ids))


def entry_by_seq(org: Organization, seq: int) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(Decision.organization_id == org.id, Decision.seq == seq)
    )


def thread_of(entry: Decision) -> list[Decision]:
    """Every entry of the entry's decision in seq order: the last is its current entry."""
    return list(
        db.session.scalars(
            sa.select(Decision).where(Decision.thread_id == entry.thread_id).order_by(Decision.seq)
        )
    )


def first_entries(ids: list[int]) -> dict[int, Decision]:
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(Decision).where(Decision.id.in_(ids)))
    return {row.id: row for row in rows}


def superseded_by(entry: Decision) -> list[Decision]:
    """First entries of the decisions that supersede this one."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(Decision.supersedes_id == entry.thread_id, Decision.revises_id.is_(None))
            .order_by(Decision.seq)
        )
    )


def open_decisions(org: Organization) -> list[Decision]:
    """Current entries that may still be superseded (for the record form's choice)."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.organization_id == org.id,
                Decision.status.in_([DecisionStatus.ACCEPTED, DecisionStatus.PROPOSED]),
                is_current(),
            )
            .order_by(Decision.seq.desc())
            .limit(500)
        )
    )


def initiative_decisions(initiative: Initiative, limit: int = 20) -> list[Decision]:
    """The current state of the decisions about an initiative, newest first."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.initiative_id == initiative.id,
                is_current(),
            )
            .order_by(Decision.seq.desc())
            .limit(limit)
        )
    )


def risk_decisions(organization_id: int, risk_id: int, limit: int = 20) -> list[Decision]:
    """The current state of the decisions that name a risk among their risks ("risk:12", as
    the form asks), newest first. The list is matched in its stored JSON text, on both
    databases; the quotes keep risk:1 from matching risk:12."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.organization_id == organization_id,
                sa.cast(Decision.risk_refs, sa.Text).contains(f'"risk:{risk_id}"', autoescape=True),
                is_current(),
            )
            .order_by(Decision.seq.desc())
            .limit(limit)
        )
    )


def people_named(ids: set[int]) -> dict[int, str]:
    """The names of the users with these ids (the people an entry's details point at)."""
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids)))
    return {uid: name for uid, name in rows}


def seqs_of(org: Organization, ids: set[int]) -> dict[int, int]:
    """The log positions (seq, what addresses show) of the entries with these ids."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Decision.id, Decision.seq).where(
            Decision.organization_id == org.id, Decision.id.in_(ids)
        )
    )
    return {entry_id: seq for entry_id, seq in rows}
