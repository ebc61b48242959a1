"""The schema the migrations build is the schema the models describe, on either database:
a column, index or constraint added to a model without its migration fails here."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

# Built by migration 0002 on PostgreSQL only: full-text search over an expression, which a
# model cannot declare portably.
MIGRATION_ONLY = {"ix_decision_search"}


def _differences(connection, metadata):
    def include(obj, name, kind, reflected, _compare_to):
        return not (kind == "index" and reflected and name in MIGRATION_ONLY)

    context = MigrationContext.configure(connection, opts={"include_object": include})
    return compare_metadata(context, metadata)


def test_the_migrated_schema_matches_the_models(db):
    with db.engine.connect() as connection:
        assert _differences(connection, db.metadata) == []


def test_an_index_missing_from_the_migrations_would_be_found(db):
    metadata = sa.MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    checkpoint = metadata.tables["checkpoint"]
    sa.Index("ix_only_in_the_model", checkpoint.c.decided_at)
    with db.engine.connect() as connection:
        differences = _differences(connection, metadata)
    assert [d[0] for d in differences] == ["add_index"]
