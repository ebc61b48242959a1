"""two-person rule and no foreign references: a checkpoint's first of two approvals, the
organization's two-approver setting, and a foreign key from a decision to its checkpoint
(issue 14)

Revision ID: 0012
Revises: 0009

The decision log is append-only, so entries written before this migration that name a
checkpoint that does not exist, or one of another organization, cannot be fixed: the foreign
key is added without checking them (PostgreSQL: NOT VALID; SQLite: declared in the table's
schema, which checks new rows only) and they are reported in the migration's log.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

FK_NAME = "fk_decision_checkpoint_id_checkpoint"
FK_SQL = f"CONSTRAINT {FK_NAME} FOREIGN KEY(checkpoint_id) REFERENCES checkpoint (id)"


def upgrade():
    with op.batch_alter_table("organization", recreate="never") as batch:
        batch.add_column(
            sa.Column(
                "two_approvers_for_high_risk",
                sa.Boolean(),
                server_default=sa.true(),
                nullable=False,
            )
        )
    # Added in place on SQLite too: a batch copy would drop tables that others reference.
    with op.batch_alter_table("checkpoint", recreate="never") as batch:
        batch.add_column(sa.Column("first_approved_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("first_approved_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("first_approval_comment", sa.Text(), server_default="", nullable=False)
        )
    report_foreign_references()
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(
            op.f("fk_checkpoint_first_approved_by_id_user"),
            "checkpoint",
            "user",
            ["first_approved_by_id"],
            ["id"],
        )
        op.execute(
            f"ALTER TABLE decision ADD {FK_SQL} NOT VALID"
        )
    else:
        add_sqlite_foreign_keys()


def report_foreign_references():
    """Log the entries that name a checkpoint, initiative or phase that does not exist or
    belongs to another organization (they stay: the log is append-only)."""
    bind = op.get_bind()
    checks = {
        "checkpoint_id": "checkpoint",
        "initiative_id": "initiative",
        "phase_id": "phase",
    }
    for column, table in checks.items():
        rows = bind.execute(
            sa.text(
                f"SELECT d.organization_id, d.seq, d.{column} FROM decision d "
                f"LEFT JOIN {table} t ON t.id = d.{column} "
                f"WHERE d.{column} IS NOT NULL "
                "AND (t.id IS NULL OR t.organization_id <> d.organization_id) "
                "ORDER BY d.organization_id, d.seq"
            )
        ).all()
        for org_id, seq, value in rows:
            log.warning(
                "decision log of organization %s, entry #%s: %s %s is not a %s of this "
                "organization (kept: the log is append-only)",
                org_id,
                seq,
                column,
                value,
                table,
            )


def add_sqlite_foreign_keys():
    """SQLite cannot add a constraint to a table; rebuilding `decision` (and `checkpoint`)
    would drop tables others reference, and their triggers. The constraint is written into
    the stored schema instead (SQLite's documented way for changes that leave the stored rows
    as they are), then the schema version is bumped so every connection reloads it."""
    bind = op.get_bind()
    additions = {
        "decision": FK_SQL,
        "checkpoint": (
            "CONSTRAINT fk_checkpoint_first_approved_by_id_user "
            "FOREIGN KEY(first_approved_by_id) REFERENCES user (id)"
        ),
    }
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    for table, constraint in additions.items():
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar()
        sql = sql.rstrip()
        assert sql.endswith(")"), sql
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            (f"{sql[:-1]}, {constraint})", table),
        )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def remove_sqlite_foreign_keys():
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    for table, name in (
        ("decision", FK_NAME),
        ("checkpoint", "fk_checkpoint_first_approved_by_id_user"),
    ):
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar()
        start = sql.index(f", CONSTRAINT {name} ")
        end = sql.index(")", sql.index("REFERENCES", start)) + 1
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            (sql[:start] + sql[end:], table),
        )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(FK_NAME, "decision", type_="foreignkey")
        op.drop_constraint(
            op.f("fk_checkpoint_first_approved_by_id_user"), "checkpoint", type_="foreignkey"
        )
    else:
        remove_sqlite_foreign_keys()
    with op.batch_alter_table("checkpoint", recreate="never") as batch:
        batch.drop_column("first_approval_comment")
        batch.drop_column("first_approved_at")
        batch.drop_column("first_approved_by_id")
    with op.batch_alter_table("organization", recreate="never") as batch:
        batch.drop_column("two_approvers_for_high_risk")
