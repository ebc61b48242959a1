"""criterion rule result: the registered rule's result kept on the exit criterion, so every
page, figure, count and answer reads one state (issue 14, section 1)

Rows start expired (rule_holds_until in 1970): the first request after the upgrade evaluates
their rules (or run `flask --app governance refresh-criteria`).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exit_criterion") as batch:
        batch.add_column(sa.Column("rule_passed", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("rule_result", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("rule_checked_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "rule_holds_until",
                sa.Date(),
                nullable=True,
                server_default=sa.text("'1970-01-01'"),
            )
        )
        batch.add_column(sa.Column("rule_passing_since", sa.DateTime(), nullable=True))
        batch.create_index("ix_exit_criterion_rule_holds_until", ["rule_holds_until"])


def downgrade():
    with op.batch_alter_table("exit_criterion") as batch:
        batch.drop_index("ix_exit_criterion_rule_holds_until")
        for column in (
            "rule_passing_since",
            "rule_holds_until",
            "rule_checked_on",
            "rule_result",
            "rule_passed",
        ):
            batch.drop_column(column)
