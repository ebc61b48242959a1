"""indexes: what the pages need at scale (issue 7)

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_exit_criterion_owner_status", "exit_criterion", ["owner_id", "status"])
    op.create_index(
        "ix_maturity_score_assessment_dimension_score",
        "maturity_score",
        ["assessment_id", "dimension", "score"],
    )


def downgrade():
    op.drop_index("ix_maturity_score_assessment_dimension_score", table_name="maturity_score")
    op.drop_index("ix_exit_criterion_owner_status", table_name="exit_criterion")
