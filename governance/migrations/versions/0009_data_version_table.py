"""data version table: each organization's data version moves from a column of `organization`
to its own narrow table, so a write in an organization no longer updates (nor, on
PostgreSQL, locks) the organization's row or bumps its `updated_at` (issue 13)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_version",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_data_version_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_data_version")),
    )
    # An organization whose version was NULL gets no row: both read as "no version yet".
    op.execute(
        "INSERT INTO data_version (organization_id, version) "
        "SELECT id, data_version FROM organization WHERE data_version IS NOT NULL"
    )
    # SQLite drops the column in place (3.35 and later): a batch copy would have to drop the
    # organization table, which every other table references.
    with op.batch_alter_table("organization", recreate="never") as batch:
        batch.drop_column("data_version")


def downgrade():
    with op.batch_alter_table("organization") as batch:
        batch.add_column(sa.Column("data_version", sa.String(16), nullable=True))
    op.execute(
        "UPDATE organization SET data_version = (SELECT version FROM data_version "
        "WHERE data_version.organization_id = organization.id)"
    )
    op.drop_table("data_version")
