"""Fixtures: a migrated database per test (SQLite file copy, or PostgreSQL emptied after each
test when TEST_DATABASE_URL is set), the app, clients and factories. Under pytest-xdist each
worker has its own PostgreSQL database (TEST_DATABASE_URL's name + "_gw0", "_gw1"...), which
the worker drops and creates again at the start of its session."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from governance import create_app
from governance.audit import set_request_actor
from governance.enums import Role
from governance.extensions import db as _db
from governance.people import operations as people
from governance.people import sessions
from governance.people.models import User
from governance.permissions import forget_roles
from governance.portfolio import operations as portfolio
from governance.portfolio.models import Initiative, Organization, Program

BASE_PG_URL = os.environ.get("TEST_DATABASE_URL")
# pytest-xdist names each worker ("gw0", "gw1"...) in the environment before conftest loads.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def worker_url(url: str, worker: str | None) -> str:
    if worker is None:
        return url
    parsed = sa.make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


PG_URL = worker_url(BASE_PG_URL, WORKER) if BASE_PG_URL else None
PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)

# Every kind of person a permission test walks through: the admin, the four member roles of the
# world's first organization, a member of another organization, and nobody signed in.
ROLES = ["admin", "leader", "pmo", "contributor", "auditor", "outsider", "anonymous"]


def base_config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": "localhost",
        **extra,
    }


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: later tests copy (SQLite) or truncate (PostgreSQL)."""
    if PG_URL:
        if PG_URL != BASE_PG_URL:
            create_worker_database(BASE_PG_URL or "", PG_URL)
        app = create_app(base_config(PG_URL))
        with app.app_context():
            with _db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            flask_migrate.upgrade(revision="heads")
            _db.engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        with _db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        _db.engine.dispose()
    return str(path)


def create_worker_database(base_url: str, url: str) -> None:
    """Drop (a stale one from an earlier run included) and create this worker's database,
    connected through the base database, which exists wherever the suite runs."""
    name = sa.make_url(url).database
    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


# Empties every table and restarts every sequence, as TRUNCATE ... RESTART IDENTITY would, in
# one round trip. TRUNCATE costs about a second over ~30 tables (new files for each table and
# index); DELETE of a test's few rows costs milliseconds. Replica mode keeps the append-only
# triggers (and the foreign-key triggers, so the order does not matter) from firing.
EMPTY_POSTGRES = """
DO $$
DECLARE name text;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR name IN SELECT tablename FROM pg_tables
                WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
        EXECUTE 'DELETE FROM public.' || quote_ident(name);
    END LOOP;
    FOR name IN SELECT sequencename FROM pg_sequences
                WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
        PERFORM setval(('public.' || quote_ident(name))::regclass, 1, false);
    END LOOP;
END $$
"""


@functools.cache
def _cleaner(url: str) -> sa.Engine:
    # One connection kept for the whole session: a new one costs a backend process each time.
    return sa.create_engine(url, pool_size=1, max_overflow=0)


def empty_postgres(url: str) -> None:
    with _cleaner(url).begin() as conn:
        conn.exec_driver_sql(EMPTY_POSTGRES)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        yield PG_URL
        empty_postgres(PG_URL)
    else:
        target = tmp_path / "test.db"
        shutil.copyfile(database_template, target)
        yield f"sqlite:///{target}"


class SessionLoginClient(FlaskClient):
    """`app.test_client(user=...)`: a client signed in as the login page signs in, through a
    server-side session (committed in a context of its own)."""

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            with self.application.app_context():
                key = sessions.start_session(user)
                _db.session.commit()
            with self.session_transaction() as sess:
                sess["_user_id"] = key
                sess["_fresh"] = True


@contextlib.contextmanager
def module_app(
    database_template: str, tmp_path_factory: pytest.TempPathFactory, name: str, **extra: Any
) -> Iterator[Flask]:
    """An app on a database of its own for one module's tests (a copy of the template on
    SQLite; emptied afterwards on PostgreSQL), inside its app context."""
    if PG_URL:
        url = PG_URL
    else:
        path = tmp_path_factory.mktemp(name) / f"{name}.db"
        shutil.copyfile(database_template, path)
        url = f"sqlite:///{path}"
    app = new_app(url, **extra)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()
    if PG_URL:
        empty_postgres(PG_URL)


def new_app(database_url: str, **extra: Any) -> Flask:
    app = create_app(base_config(database_url, **extra))
    app.test_client_class = SessionLoginClient

    def _fresh_globals() -> None:
        # Tests keep an app context open, which requests then share; start each request
        # with empty `g` and no per-request memo in the shared session (acting user, role
        # cache), as it would in production where each request has its own session.
        for name in list(vars(g)):
            g.pop(name)
        set_request_actor(None)
        forget_roles()

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_globals)
    return app


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def factory(**extra: Any) -> Flask:
        app = new_app(database_url, **extra)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# ---- factories -----------------------------------------------------------------------------


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def factory(
        name: str | None = None,
        *,
        org: Organization | None = None,
        role: Role | str | None = None,
        admin: bool = False,
        email: str | None = None,
    ) -> User:
        n = next(_counter)
        user = people.create_user(
            email or f"user{n}@example.com", name or f"User {n}", PASSWORD, is_admin=admin
        )
        if org is not None and role is not None:
            people.set_membership(user, org, Role(role))
        _db.session.commit()
        return user

    return factory


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organization]:
    def factory(slug: str | None = None, name: str | None = None) -> Organization:
        n = next(_counter)
        org = portfolio.create_organization(slug or f"client-{n}", name or f"Client {n}")
        _db.session.commit()
        return org

    return factory


@pytest.fixture
def make_initiative(app: Flask) -> Callable[..., Initiative]:
    def factory(
        org: Organization, name: str = "Fraud scoring", program: Program | None = None
    ) -> Initiative:
        if program is None:
            program = portfolio.create_program(org, f"Program {next(_counter)}")
        initiative = portfolio.create_initiative(program, name)
        _db.session.commit()
        return initiative

    return factory


@pytest.fixture
def as_user(app: Flask) -> Callable[[User | None], FlaskClient]:
    """A test client signed in as `user` (or anonymous for None)."""

    def factory(user: User | None) -> FlaskClient:
        return app.test_client(user=user) if user is not None else app.test_client()

    return factory


@pytest.fixture
def token_for(app: Flask) -> Callable[..., dict[str, str]]:
    """API headers with a new token of `user` (scoped to `org` when given)."""

    def factory(user: User, org: Organization | None = None) -> dict[str, str]:
        _token, plain = people.create_token(user, org)
        _db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return factory


def build_world() -> dict[str, Any]:
    """Two client organizations; a member of each role in the first, an admin, and an outsider
    (a leader of the second). Commits."""
    org = portfolio.create_organization("acme-freight", "Acme Freight")
    other = portfolio.create_organization("globex-health", "Globex Health")

    def user(name: str, org: Organization | None, role: Role | None, admin: bool = False) -> User:
        made = people.create_user(
            f"user{next(_counter)}@example.com", name, PASSWORD, is_admin=admin
        )
        if org is not None and role is not None:
            people.set_membership(made, org, role)
        return made

    users = {role.value: user(f"{role.value} person", org, role) for role in Role}
    users["admin"] = user("Admin", None, None, admin=True)
    users["outsider"] = user("Outsider", other, Role.LEADER)
    initiatives = []
    for owner, name in ((org, "Parcel fraud scoring"), (other, "Claims triage")):
        program = portfolio.create_program(owner, f"Program {next(_counter)}")
        initiatives.append(portfolio.create_initiative(program, name))
    _db.session.commit()
    return {
        "org": org,
        "other": other,
        "users": users,
        "initiative": initiatives[0],
        "other_initiative": initiatives[1],
    }


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_world()


@pytest.fixture
def user_in_role(world: dict[str, Any]) -> Callable[[str], User | None]:
    """The world's person in one of ROLES; None for "anonymous"."""

    def pick(role: str) -> User | None:
        return None if role == "anonymous" else world["users"][role]

    return pick
