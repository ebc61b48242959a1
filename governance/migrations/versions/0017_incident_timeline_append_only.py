"""an incident's timeline is append-only, like the decision log and the audit trail (issue 16)

The timeline is what an auditor reads to see who acknowledged, rolled back and resolved when:
no UPDATE, DELETE, REPLACE (SQLite), upsert or TRUNCATE (PostgreSQL) rewrites a line. The same
alert state sent again is refused by its unique key (organization, dedupe_key), as before.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

MESSAGE = "incident timelines are append-only"
TABLE = "incident_event"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # append_only_refused() is migration 0013's: the refusal is the trigger's argument.
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION append_only_refused('{MESSAGE}')"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION append_only_refused('{MESSAGE}')"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{action.lower()} BEFORE {action} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({action} refused)'); END"
        )
    # REPLACE deletes the row holding the same id or dedupe key without firing the DELETE
    # trigger: refused before the insert.
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_replace BEFORE INSERT ON {TABLE} BEGIN "
        f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id"
        " OR (NEW.dedupe_key IS NOT NULL AND organization_id = NEW.organization_id"
        " AND dedupe_key = NEW.dedupe_key))"
        f" THEN RAISE(ABORT, '{MESSAGE} (REPLACE refused)') END; END"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        return
    for name in ("no_update", "no_delete", "no_replace"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
