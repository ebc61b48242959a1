"""criterion text from its rule: the seeded descriptions that named a number their rule does not
use (rollback tested within 90 days, the rule says 180; KPIs measured in 30 days, the rule 90;
"eight" dimensions) now say the rule's own parameters (issue 14, section 1)

New initiatives get the text rendered from the rule's `params` (governance/catalog.py); this
rewrites the rows created before, and only those still carrying the old seeded text.

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (key, rule, text before, text now): the rendering of seed_data/phases.yaml at this revision.
TEXTS = [
    (
        "governance-rollback-tested",
        "production_rollback_tested",
        "Each production deployment names the version to roll back to and the procedure, and "
        "the rollback was exercised within the last 90 days with the time it took recorded.",
        "Each production deployment names the version to roll back to and the procedure, and "
        "the rollback was exercised within the last 180 days with the time it took recorded.",
    ),
    (
        "evaluation-kpis-measured",
        "kpis_measured_recently",
        "Every KPI has a measurement in the last 30 days, compared with its baseline and target; "
        "a missing measurement fails the criterion.",
        "Every KPI has a measurement in the last 90 days, compared with its baseline and target; "
        "a missing measurement fails the criterion.",
    ),
    (
        "assessment-all-dimensions",
        "every_dimension_assessed",
        "A dated assessment scores all eight dimensions against the rubric, with a note per "
        "dimension citing what was observed (systems, documents, interviews).",
        "A dated assessment scores all 8 dimensions against the rubric, with a note per "
        "dimension citing what was observed (systems, documents, interviews).",
    ),
]

criterion = sa.table(
    "exit_criterion",
    sa.column("key", sa.String),
    sa.column("rule", sa.String),
    sa.column("description", sa.Text),
)


def _rewrite(pairs):
    for key, rule, before, after in pairs:
        op.execute(
            criterion.update()
            .where(
                criterion.c.key == key,
                criterion.c.rule == rule,
                criterion.c.description == before,
            )
            .values(description=after)
        )


def upgrade():
    _rewrite(TEXTS)


def downgrade():
    _rewrite([(key, rule, after, before) for key, rule, before, after in TEXTS])
