"""data version: a random value per organization, renewed by every write of its rows, that
the portfolio's and dashboards' cached roll-ups are filed under (issue 7)

Revision ID: 0007
Revises: 0006
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organization") as batch:
        batch.add_column(sa.Column("data_version", sa.String(16), nullable=True))
    organization = sa.table("organization", sa.column("id"), sa.column("data_version"))
    bind = op.get_bind()
    for (org_id,) in bind.execute(sa.select(organization.c.id)).all():
        bind.execute(
            organization.update()
            .where(organization.c.id == org_id)
            .values(data_version=secrets.token_hex(8))
        )


def downgrade():
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("data_version")
