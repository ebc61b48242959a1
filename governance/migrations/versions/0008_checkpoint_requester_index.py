"""checkpoint requester index: "your requests waiting on someone else" on the review queue
and the portfolio read a person's pending checkpoints without scanning them all (issue 7)

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_checkpoint_requester_status_requested",
        "checkpoint",
        ["requested_by_id", "status", "requested_at"],
    )


def downgrade():
    op.drop_index("ix_checkpoint_requester_status_requested", table_name="checkpoint")
