"""Append-only without holes: the decision log, the audit trail and the received lineage events
refuse every way of rewriting a row in raw SQL, on both databases (migration 0013): UPDATE,
DELETE, SQLite's INSERT OR REPLACE / REPLACE INTO, upserts (ON CONFLICT DO UPDATE) and
PostgreSQL's TRUNCATE. Before, REPLACE rewrote an entry past the triggers and TRUNCATE emptied
the log; the audit trail and the lineage events had no protection at all. An incident's timeline
is protected the same way (migration 0017)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from governance.audit import AuditEvent
from governance.decisions.chain import verify_organization
from governance.decisions.models import Decision
from governance.decisions.operations import record_decision
from governance.enums import IncidentEventKind, Severity
from governance.incidents.operations import add_event, open_incident
from governance.lineage.models import LineageEvent
from governance.people.models import User

# table -> (the text column a forger rewrites, the message the database answers with)
TABLES = {
    "decision": ("title", "append-only"),
    "audit_event": ("new_value", "audit events are append-only"),
    "lineage_event": ("raw", "received lineage events are append-only"),
    "incident_event": ("detail", "incident timelines are append-only"),
}


@pytest.fixture
def rows(world, db):
    """Four log entries, their audit events, one received lineage event, and an incident's
    timeline with a line an alert left (its dedupe key is unique too)."""
    org = world["org"]
    for n in range(1, 5):
        record_decision(
            org, world["users"]["leader"], title=f"Decision {n}", context="c", decision="d"
        )
    db.session.execute(
        sa.insert(LineageEvent.__table__).values(
            organization_id=org.id,
            event_hash="a" * 64,
            schema_kind="RunEvent",
            event_type="COMPLETE",
            event_time=datetime(2026, 11, 2, tzinfo=UTC),
            run_uuid=None,
            raw='{"eventType": "COMPLETE"}',
        )
    )
    opened = open_incident(
        org, world["users"]["leader"], title="Scores all zero", severity=Severity.SEV2
    )
    add_event(
        opened,
        IncidentEventKind.ALERT_FIRING,
        None,
        opened.detected_at,
        "Firing.",
        dedupe_key="b" * 64,
    )
    db.session.commit()
    return org


def _snapshot(db):
    return {
        table: [tuple(r) for r in db.session.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))]
        for table in TABLES
    }


def _rewrites(dialect: str, table: str, forged: str, columns: list[str]) -> list[str]:
    """Every statement that would rewrite the table's newest row, in this dialect."""
    names = ", ".join(columns)
    values = ", ".join("'forged'" if c == forged else c for c in columns)
    newest = f"SELECT {values} FROM {table} WHERE id = (SELECT max(id) FROM {table})"
    renumbered = newest.replace("SELECT id,", "SELECT id + 1000,", 1)
    upsert = f"INSERT INTO {table} ({names}) {newest} ON CONFLICT (id) DO UPDATE SET {forged} = "
    statements = [
        f"UPDATE {table} SET {forged} = 'forged'",
        f"DELETE FROM {table} WHERE id = (SELECT max(id) FROM {table})",
    ]
    if dialect == "sqlite":
        return [
            *statements,
            f"INSERT OR REPLACE INTO {table} ({names}) {newest}",
            f"REPLACE INTO {table} ({names}) {newest}",
            # A new id, but the old row's other unique keys (seq, hash...): REPLACE deletes it
            # (a lineage event with the same hash is a duplicate: ignored, as the ingestion does).
            *(
                [f"INSERT OR REPLACE INTO {table} ({names}) {renumbered}"]
                * (table != "audit_event")
            ),
            # SQLite parses ON CONFLICT after a SELECT only behind a WHERE clause.
            upsert.replace(f"FROM {table} WHERE", f"FROM {table} WHERE 1 AND", 1)
            + "excluded."
            + forged,
        ]
    return [
        *statements,
        upsert + "excluded." + forged,
        f"TRUNCATE {table} CASCADE",
        f"TRUNCATE {table} RESTART IDENTITY CASCADE",
        # Truncating what the table references cascades to it: refused as well.
        f"TRUNCATE organization, {table} CASCADE",
    ]


@pytest.mark.parametrize("table", list(TABLES))
def test_no_raw_sql_rewrites_an_append_only_row(rows, db, table):
    forged, message = TABLES[table]
    columns = [c.name for c in db.metadata.tables[table].columns]
    before = _snapshot(db)
    assert before[table], "the fixture stored rows to protect"
    statements = _rewrites(db.engine.dialect.name, table, forged, columns)
    for statement in statements:
        if table == "lineage_event" and "id + 1000" in statement:
            db.session.execute(sa.text(statement))
        else:
            # (truncating organization cascades to the decision log, refused first)
            refusal = "append-only" if "organization" in statement else message
            with pytest.raises(sa.exc.DBAPIError, match=refusal):
                db.session.execute(sa.text(statement))
        db.session.rollback()
        assert _snapshot(db) == before, statement
    assert verify_organization(rows).ok


def test_the_app_still_appends_and_ignores_a_lineage_event_sent_again(rows, db):
    """The protection does not get in the way: a new entry chains on, a duplicate lineage event
    is still recognised (ON CONFLICT DO NOTHING), the audit trail keeps growing."""
    audit_before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    author = db.session.get(User, db.session.scalar(sa.select(Decision.decided_by_id).limit(1)))
    record_decision(rows, author, title="Decision 5", context="c", decision="d")
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    again = (
        dialect.insert(LineageEvent.__table__)
        .values(
            organization_id=rows.id,
            event_hash="a" * 64,
            schema_kind="RunEvent",
            event_time=datetime(2026, 11, 3, tzinfo=UTC),
            raw="{}",
        )
        .on_conflict_do_nothing(index_elements=["organization_id", "event_hash"])
        .returning(LineageEvent.__table__.c.id)
    )
    assert db.session.execute(again).scalar_one_or_none() is None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 5
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) > audit_before
    assert db.session.scalar(sa.select(LineageEvent.raw)) == '{"eventType": "COMPLETE"}'
    assert verify_organization(rows).ok
