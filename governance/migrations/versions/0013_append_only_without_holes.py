"""append-only without holes: the decision log, the audit trail and the received lineage events
refuse every rewrite, not only UPDATE and DELETE (issue 14)

Before: SQLite's INSERT OR REPLACE / REPLACE INTO deletes the old row without firing delete
triggers (unless recursive_triggers is on) and writes a new one; PostgreSQL has no trigger on
TRUNCATE; the audit trail and the lineage events had no protection at all.

- SQLite: a BEFORE INSERT trigger refuses a row whose key already exists (the REPLACE would
  first delete it). An upsert (ON CONFLICT DO UPDATE) is refused by the same trigger, and its
  UPDATE by the UPDATE trigger. A received lineage event sent again (same organization and
  hash) is ignored, as the ingestion's own ON CONFLICT DO NOTHING does.
- PostgreSQL: a BEFORE TRUNCATE statement trigger; ON CONFLICT DO UPDATE fires the UPDATE
  trigger on the existing row, so it is refused too.

Who really needs to empty these tables (the test suite between tests) does it as a superuser
with `SET session_replication_role = replica`, under which ordinary triggers do not fire.

Revision ID: 0013
Revises: 0009
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

DECISION = "decision log entries are append-only: record a new entry instead"
AUDIT = "audit events are append-only"
LINEAGE = "received lineage events are append-only"

# SQLite: table -> (refusal, condition under which an insert would replace an existing row,
# condition under which it is a duplicate to ignore or None).
SQLITE_REPLACE = {
    "decision": (
        DECISION,
        "SELECT 1 FROM decision WHERE id = NEW.id OR hash = NEW.hash"
        " OR (organization_id = NEW.organization_id"
        " AND (seq = NEW.seq OR prev_hash = NEW.prev_hash))",
        None,
    ),
    "audit_event": (AUDIT, "SELECT 1 FROM audit_event WHERE id = NEW.id", None),
    "lineage_event": (
        LINEAGE,
        "SELECT 1 FROM lineage_event WHERE id = NEW.id",
        "SELECT 1 FROM lineage_event"
        " WHERE organization_id = NEW.organization_id AND event_hash = NEW.event_hash",
    ),
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _sqlite_upgrade():
    # decision already has decision_no_update and decision_no_delete (0002).
    for table, message in (("audit_event", AUDIT), ("lineage_event", LINEAGE)):
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message} ({action} refused)'); END"
            )
    for table, (message, replaces, duplicate) in SQLITE_REPLACE.items():
        ignore = f" WHEN EXISTS ({duplicate}) THEN RAISE(IGNORE)" if duplicate else ""
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} BEGIN "
            f"SELECT CASE WHEN EXISTS ({replaces}) "
            f"THEN RAISE(ABORT, '{message} (REPLACE refused)'){ignore} END; END"
        )


def _postgresql_upgrade():
    # One function for the new tables: the refusal is the trigger's argument.
    op.execute(
        """
        CREATE FUNCTION append_only_refused() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% (% refused)', TG_ARGV[0], TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER decision_no_truncate BEFORE TRUNCATE ON decision "
        "FOR EACH STATEMENT EXECUTE FUNCTION decision_append_only()"
    )
    for table, message in (("audit_event", AUDIT), ("lineage_event", LINEAGE)):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION append_only_refused('{message}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION append_only_refused('{message}')"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decision_no_truncate ON decision")
        for table in ("audit_event", "lineage_event"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS append_only_refused()")
    else:
        for table in SQLITE_REPLACE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        for table in ("audit_event", "lineage_event"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
