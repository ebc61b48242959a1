"""Issue 13: data versions live in their own table. A write in an organization renews its
version without touching the organization's row; the per-transaction memo lives in the
session, and rollups.py needs no Flask."""

from __future__ import annotations

import ast
import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from governance import rollups
from governance.dashboards import figures as dashboards
from governance.decisions.chain import lock_chain
from governance.enums import RiskCategory
from governance.people import operations as people
from governance.portfolio.models import Organization
from governance.risks import operations as risk_ops
from governance.rollups import DataVersion


def _version(db: Any, org_id: int) -> str | None:
    return db.session.scalar(
        sa.select(DataVersion.version).where(DataVersion.organization_id == org_id)
    )


def _organization_row(db: Any, org_id: int) -> tuple[Any, ...]:
    table = Organization.__table__
    query = sa.select(table.c.updated_at, table.c.version).where(table.c.id == org_id)
    return tuple(db.session.execute(query).one())


def _new_risk(org: Organization) -> None:
    # An admin of the installation writes it: no membership row, so the risk is the only write.
    admin = people.create_user(
        f"risk-writer-{uuid.uuid4().hex[:8]}@example.com", "Risk writer", "x" * 12, is_admin=True
    )
    risk_ops.create_risk(
        org, admin, title="Drift", category=list(RiskCategory)[0], likelihood=2, impact=2
    )


def test_a_write_in_an_organization_leaves_its_row_alone(db, make_org, make_initiative):
    org = make_org()
    before_version, before_row = _version(db, org.id), _organization_row(db, org.id)
    make_initiative(org)
    _new_risk(org)
    db.session.commit()
    assert _version(db, org.id) != before_version
    # Neither its updated_at nor its optimistic-locking version moves.
    assert _organization_row(db, org.id) == before_row


def test_an_organization_form_opened_before_a_write_still_saves(
    db, app, make_org, make_user, as_user
):
    org = make_org(name="Harbour Analytics")
    admin = as_user(make_user(admin=True))
    opened_at = org.version
    _new_risk(org)
    db.session.commit()
    response = admin.post(
        f"/orgs/{org.slug}/edit",
        data={
            "slug": org.slug,
            "name": "Harbour Analytics Ltd",
            "description": "",
            "review_target_days": 5,
            "version": str(opened_at),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "Harbour Analytics Ltd"


def test_an_organization_gets_its_version_row_when_created(db, make_org):
    org = make_org()
    assert _version(db, org.id)


def test_an_organization_without_a_version_gets_one_at_its_first_write(db, make_org):
    org = make_org()
    db.session.execute(sa.delete(DataVersion).where(DataVersion.organization_id == org.id))
    db.session.commit()
    assert rollups.data_versions([org.id]) == {org.id: None}
    _new_risk(org)
    db.session.commit()
    assert _version(db, org.id)
    assert rollups.data_versions([org.id]) == {org.id: _version(db, org.id)}


def test_deleting_an_organization_renews_nothing_and_fails_nothing(db, make_org):
    org = make_org()
    org_id = org.id
    db.session.delete(org)
    db.session.commit()
    assert db.session.get(Organization, org_id) is None
    assert rollups.data_versions([org_id]) == {}


def test_the_versions_are_read_once_per_transaction(db, make_org):
    org = make_org()
    first = rollups.data_versions([org.id])
    # Another process renews the version: this transaction keeps what it read ...
    with db.engine.begin() as other:
        rollups.renew(other, [org.id])
    assert rollups.data_versions([org.id]) == first
    # ... and the next transaction reads it again.
    db.session.rollback()
    assert rollups.data_versions([org.id]) == {org.id: _version(db, org.id)} != first


class _SecondWriter(threading.Thread):
    """Renews an organization's version in its own transaction, on another connection."""

    def __init__(self, engine: sa.Engine, org_id: int) -> None:
        super().__init__()
        self.engine, self.org_id = engine, org_id
        self.done = threading.Event()
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            with self.engine.begin() as connection:
                rollups.renew(connection, [self.org_id])
        except BaseException as error:  # pragma: no cover (reported by the test)
            self.errors.append(error)
        finally:
            self.done.set()

    def finished_cleanly(self) -> bool:
        self.join(10)
        return self.done.is_set() and not self.errors


def test_two_writers_of_one_organization_wait_for_each_other(db, make_org):
    """The second writer waits for the first to commit, then takes its own new version, even
    when neither found a row to update (an upsert, not UPDATE-then-INSERT)."""
    org = make_org()
    db.session.execute(sa.delete(DataVersion).where(DataVersion.organization_id == org.id))
    db.session.commit()
    second = _SecondWriter(db.engine, org.id)
    with db.engine.connect() as first:
        transaction = first.begin()
        rollups.renew(first, [org.id])
        second.start()
        assert not second.done.wait(0.5)  # held back by the first writer
        first_version = first.execute(
            sa.select(DataVersion.version).where(DataVersion.organization_id == org.id)
        ).scalar_one()
        transaction.commit()
    assert second.finished_cleanly()
    db.session.rollback()
    assert _version(db, org.id) not in (None, first_version)


def test_the_decision_log_lock_is_the_data_version_row(db, make_org):
    """Appending to the log and the organization's other writes queue on one row, so they
    cannot deadlock by taking two rows in opposite orders; the organization's row is not
    locked."""
    org = make_org()
    before_row = _organization_row(db, org.id)
    lock_chain(org.id)
    second = _SecondWriter(db.engine, org.id)
    second.start()
    assert not second.done.wait(0.5)  # waits for the chain lock's transaction
    db.session.commit()
    assert second.finished_cleanly()
    assert _organization_row(db, org.id) == before_row


def test_a_kept_figures_rendered_table_follows_a_write(db, make_org):
    """The dashboard figures keep their rendered table (it pays), under the data version."""
    org = make_org()
    scope = dashboards.Scope(date.today(), org_id=org.id)
    build = dashboards.ORGANIZATION_FIGURES["risk_heatmap"]
    before = build(scope).table_body
    assert build(scope).table_body is before  # kept while nothing changes
    _new_risk(org)
    db.session.commit()
    assert build(scope).table_body != before


def test_rollups_imports_nothing_from_flask():
    tree = ast.parse(Path(rollups.__file__).read_text())
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not [name for name in imported if name.split(".")[0] in ("flask", "flask_login")]
