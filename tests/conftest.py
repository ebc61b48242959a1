"""Fixtures: a migrated database per test (SQLite file copy, or PostgreSQL emptied after each
test when TEST_DATABASE_URL is set), the app, clients and factories. Under pytest-xdist each
worker has its own PostgreSQL database (TEST_DATABASE_URL's name + "_gw0", "_gw1"...), which
the worker drops and creates again at the start of its session.

The demo installation (`load_demo()`, tens of seconds) is built once per worker and restored
for each test that asks for it: `demo_data` (this test's database starts as the demo) and
`live_demo` (a module's browser tests share a served demo).

The browser tests (tests/browser/, tests/*/test_*_browser.py) run on SQLite only: what they
judge (layout at two widths, axe, clicks, drawn charts) is the HTML and script the app serves,
the same whichever database holds the rows; every page and action they drive is also requested
through the test client on both databases (route sweep, page and permission tests)."""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from governance import create_app, rollups
from governance.audit import set_request_actor
from governance.enums import Role
from governance.extensions import db as _db
from governance.extensions import limiter
from governance.people import operations as people
from governance.people import sessions
from governance.people.models import User, use_password_hash_method
from governance.permissions import forget_roles
from governance.portfolio import operations as portfolio
from governance.portfolio.models import Initiative, Organization, Program
from governance.portfolio.seed import DEMO_PASSWORD, load_demo

BASE_PG_URL = os.environ.get("TEST_DATABASE_URL")
# pytest-xdist names each worker ("gw0", "gw1"...) in the environment before conftest loads.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def runs_in_browser(item: pytest.Item) -> bool:
    path = Path(str(item.fspath))
    return path.parent.name == "browser" or path.name.endswith("_browser.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On PostgreSQL, skip the browser tests: they run once, on SQLite (see the docstring)."""
    if not BASE_PG_URL:
        return
    once = pytest.mark.skip(reason="browser test: runs once, on SQLite (tests/conftest.py)")
    for item in items:
        if runs_in_browser(item):
            item.add_marker(once)


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
        # A test database needs no crash durability: commits return without waiting for the
        # WAL to reach the disk (the server still fsyncs in the background). Same results,
        # no wait per commit on a disk shared with other databases.
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
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
def database_url(
    request: pytest.FixtureRequest, database_template: str, worker_dir: Path
) -> Iterator[str]:
    """This test's database: the migrated template, or the demo installation when the test
    asks for `demo_data`. On SQLite always the same path of this worker (so `app` can keep
    one app whose engine points there), replaced by a new file for each test."""
    starts_as = _starts_as(request)
    snapshot = None
    if starts_as == "demo":
        snapshot = demo_of_worker(database_template, worker_dir)
    elif starts_as == "world":
        snapshot = snapshot_of_worker("world", database_template, worker_dir, _world_ids)
    if PG_URL:
        if snapshot is not None:
            snapshot.restore_postgres(PG_URL)
        yield PG_URL
        empty_postgres(PG_URL)
    else:
        target = worker_dir / "test.db"
        replace_sqlite(snapshot.path if snapshot and snapshot.path else database_template, target)
        yield f"sqlite:///{target}"


def _starts_as(request: pytest.FixtureRequest) -> str | None:
    """What this test's database starts as: the demo when the test asks for `demo_data`, else
    the world (built once per worker, restored) when it asks for `world`, else empty."""
    if "demo_data" in request.fixturenames:
        return "demo"
    if "world" in request.fixturenames:
        return "world"
    return None


@pytest.fixture(scope="session")
def worker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worker")


def replace_sqlite(source: str | Path, target: Path) -> None:
    """Put a copy of `source` at `target` as a new file (a new inode: a connection still open
    on the old one never sees it), without the old file's WAL and shared-memory files."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


# ---- the demo installation, built once per worker ------------------------------------------


@dataclass
class DemoSnapshot:
    """The demo installation as `load_demo()` and a commit leave it, kept to be restored: a
    SQLite file, or each PostgreSQL table's rows (COPY, binary) and each sequence's place.
    `loaded_from`/`loaded_to` bracket the load (its records are dated by their story, never
    then); `day` is the date it was built on (a new day builds it again: rules read the date)."""

    loaded_from: datetime
    loaded_to: datetime
    day: date
    counts: dict[str, int]
    path: Path | None = None
    tables: list[tuple[str, bytes]] = field(default_factory=list)
    sequences: list[tuple[str, int, bool]] = field(default_factory=list)

    def restore_postgres(self, url: str) -> None:
        """Copy the demo's rows into an empty database of the same schema (in replica mode, as
        `empty_postgres` deletes: the append-only and foreign-key triggers stay quiet; the
        rows were checked when the demo was loaded)."""
        engine = _cleaner(url)
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                for name, data in self.tables:
                    with cursor.copy(f'COPY public."{name}" FROM STDIN (FORMAT BINARY)') as copy:
                        copy.write(data)
                for name, value, called in self.sequences:
                    cursor.execute(
                        "SELECT setval(%s::regclass, %s, %s)", (f'public."{name}"', value, called)
                    )


def _snapshot_postgres(url: str) -> tuple[list[tuple[str, bytes]], list[tuple[str, int, bool]]]:
    tables: list[tuple[str, bytes]] = []
    engine = _cleaner(url)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            names = [
                n
                for (n,) in cursor.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ]
            for name in names:
                if cursor.execute(f'SELECT EXISTS (SELECT FROM public."{name}")').fetchone()[0]:
                    data = bytearray()
                    with cursor.copy(f'COPY public."{name}" TO STDOUT (FORMAT BINARY)') as copy:
                        for chunk in copy:
                            data += chunk
                    tables.append((name, bytes(data)))
            sequences = [
                (name, int(value), bool(called))
                for name, value, called in cursor.execute(
                    "SELECT s.sequencename, s.last_value, true FROM pg_sequences s"
                    " WHERE s.schemaname = 'public' AND s.last_value IS NOT NULL"
                )
            ]
    return tables, sequences


def build_snapshot(
    database_template: str, directory: Path, name: str, load: Callable[[], dict[str, Any]]
) -> DemoSnapshot:
    """Run `load` once on a new database (it commits nothing itself) and keep the result to be
    restored per test; `.counts` is what `load` returned."""
    if PG_URL:
        url = PG_URL
    else:
        path = directory / f"{name}.db"
        replace_sqlite(database_template, path)
        url = f"sqlite:///{path}"
    app = new_app(url)
    with app.app_context():
        loaded_from = datetime.now(UTC)
        counts = load()
        _db.session.commit()
        loaded_to = datetime.now(UTC)
        if not PG_URL:
            with _db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        _db.session.remove()
        _db.engine.dispose()
        rollups._caches.pop(_db.engine, None)
    snapshot = DemoSnapshot(loaded_from, loaded_to, date.today(), counts)
    if PG_URL:
        snapshot.tables, snapshot.sequences = _snapshot_postgres(PG_URL)
        empty_postgres(PG_URL)
    else:
        snapshot.path = path
    return snapshot


# name -> this worker's snapshot: "demo" (load_demo, tens of seconds: it replays its story
# through the operations, with rule evaluation after each step) and "world" (build_world,
# half a second, which most tests start with).
_snapshots: dict[str, DemoSnapshot] = {}


def snapshot_of_worker(
    name: str, database_template: str, worker_dir: Path, load: Callable[[], dict[str, Any]]
) -> DemoSnapshot:
    """This worker's snapshot `name`, built at the first test that needs it (and again on a
    new day: rules read the date)."""
    found = _snapshots.get(name)
    if found is None or found.day != date.today():
        found = _snapshots[name] = build_snapshot(database_template, worker_dir, name, load)
    return found


def demo_of_worker(database_template: str, worker_dir: Path) -> DemoSnapshot:
    return snapshot_of_worker("demo", database_template, worker_dir, load_demo)


@pytest.fixture
def demo_snapshot(database_template: str, worker_dir: Path) -> DemoSnapshot:
    """What `demo_data` and `live_demo` restore; use those in tests."""
    return demo_of_worker(database_template, worker_dir)


@pytest.fixture
def demo_data(demo_snapshot: DemoSnapshot, app: Flask) -> DemoSnapshot:
    """This test's database starts as the demo installation, exactly as `load_demo()` then a
    commit would leave it, for `app`, `db`, `client`, `database_url` and the factories alike;
    restored from the worker's copy in milliseconds instead of loaded (tens of seconds).
    Returns the snapshot: `.counts` is what `load_demo()` returned, and `.loaded_from` /
    `.loaded_to` bracket when it ran."""
    return demo_snapshot


@dataclass
class LiveDemo:
    """The demo installation served on a local port (see `live_demo`)."""

    url: str  # "http://127.0.0.1:PORT", no trailing slash
    app: Flask  # the app serving it: `with live_demo.app.app_context():` reads its database
    database_url: str
    password: str = DEMO_PASSWORD  # every demo user's


_live_databases: dict[str, str] = {}


def live_postgres_database() -> str:
    """A second database of this worker, migrated once, for the served demo: the tests of the
    module keep using (and emptying) the worker's own database beside it."""
    if PG_URL not in _live_databases:
        url = worker_url(PG_URL or "", "live")
        create_worker_database(BASE_PG_URL or "", url)
        app = create_app(base_config(url))
        with app.app_context():
            flask_migrate.upgrade(revision="heads")
            _db.engine.dispose()
        _live_databases[PG_URL or ""] = url
    return _live_databases[PG_URL or ""]


@pytest.fixture(scope="module")
def live_demo(
    database_template: str, worker_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveDemo]:
    """The demo installation served by a real server on a free local port, for one module's
    browser tests (Playwright): `page.goto(f"{live_demo.url}/login")`, sign in with a demo
    email and `live_demo.password`. One per module (per xdist worker running it), restored from
    the worker's demo copy, so a module's tests share what they write; other modules never
    see it. The server has no SERVER_NAME (any host and port answer)."""
    snapshot = demo_of_worker(database_template, worker_dir)
    if PG_URL:
        url = live_postgres_database()
        snapshot.restore_postgres(url)
    else:
        path = tmp_path_factory.mktemp("live") / "live.db"
        assert snapshot.path is not None
        replace_sqlite(snapshot.path, path)
        url = f"sqlite:///{path}"
    app = new_app(url, SERVER_NAME=None)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveDemo(f"http://127.0.0.1:{httpd.server_port}", app, url)
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        if PG_URL:
            empty_postgres(url)


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


# The default app of each database URL, kept for the next test: building an app (URL map,
# OpenAPI document) costs about 0.1 s of CPU, more than many tests. Kept only while a test
# leaves it as it found it (see `_release`); `make_app` always builds a new one.
_kept_apps: dict[str, tuple[Flask, dict[str, Any], tuple[Any, ...]]] = {}


def _shape(app: Flask) -> tuple[Any, ...]:
    """What a test could add to an app besides its config: routes, hooks, handlers, globals."""

    def sizes(funcs: dict[Any, list[Any]]) -> tuple[tuple[Any, int], ...]:
        return tuple(sorted(((k or "", len(v)) for k, v in funcs.items()), key=str))

    return (
        len(list(app.url_map.iter_rules())),
        sizes(app.before_request_funcs),
        sizes(app.after_request_funcs),
        sizes(app.teardown_request_funcs),
        len(app.teardown_appcontext_funcs),
        repr(app.error_handler_spec),
        len(app.jinja_env.globals),
        len(app.jinja_env.filters),
        len(app.extensions),
        app.wsgi_app,
        app.test_client_class,
    )


def _kept_app(database_url: str) -> Flask:
    kept = _kept_apps.get(database_url)
    if kept is None:
        app = new_app(database_url)
        _kept_apps[database_url] = (app, copy.deepcopy(dict(app.config)), _shape(app))
        return app
    app = kept[0]
    # What create_app set for the whole process, which an app another test built since may
    # have set otherwise (the extensions are module globals).
    use_password_hash_method(app.config["PASSWORD_HASH_METHOD"])
    limiter.init_app(app)  # disabled in tests: only sets `limiter.enabled` back
    return app


def _release(app: Flask, database_url: str) -> None:
    """After a test: close the app's connections and forget what it kept of this database
    (the next test's database is a new one); keep the app only if the test left it intact."""
    kept = _kept_apps.get(database_url)
    with app.app_context():
        _db.session.remove()
        engine = _db.engine
        leaked = getattr(engine.pool, "checkedout", lambda: 0)()
        rollups._caches.pop(engine, None)  # roll-ups of the database just replaced
        keep = kept is not None and kept[0] is app and not leaked and _shape(app) == kept[2]
        # SQLite: the next test's database is a new file. PostgreSQL: the same database,
        # emptied, so a kept app's pooled connections (rolled back when returned) serve the
        # next test too instead of a new server process each time.
        if not (keep and database_url.startswith("postgresql")):
            engine.dispose()
    if kept is None or kept[0] is not app:
        return
    if not keep:
        del _kept_apps[database_url]
    elif dict(app.config) != kept[1]:
        app.config.clear()
        app.config.update(copy.deepcopy(kept[1]))


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app on this test's database, inside its app context. The same app object serves
    the tests of one worker (reset between them); `make_app` builds a new one."""
    app = _kept_app(database_url)
    try:
        with app.app_context():
            yield app
    finally:
        _release(app, database_url)


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


def _world_ids() -> dict[str, Any]:
    """Builds the world; the ids of its records, to find them again in a restored copy."""
    world = build_world()
    ids = {key: world[key].id for key in ("org", "other", "initiative", "other_initiative")}
    return {**ids, "users": {role: user.id for role, user in world["users"].items()}}


@pytest.fixture
def world(request: pytest.FixtureRequest, app: Flask) -> dict[str, Any]:
    """`build_world()`'s records. Built once per worker and restored with the test's database
    (see `database_url`), then found by id and expired, as its commit leaves them; built here
    on top of the demo when the test also asks for `demo_data`."""
    if _starts_as(request) != "world":
        return build_world()
    ids = _snapshots["world"].counts
    session = _db.session
    world: dict[str, Any] = {
        "org": session.get(Organization, ids["org"]),
        "other": session.get(Organization, ids["other"]),
        "users": {role: session.get(User, user_id) for role, user_id in ids["users"].items()},
        "initiative": session.get(Initiative, ids["initiative"]),
        "other_initiative": session.get(Initiative, ids["other_initiative"]),
    }
    session.expire_all()
    return world


@pytest.fixture
def user_in_role(world: dict[str, Any]) -> Callable[[str], User | None]:
    """The world's person in one of ROLES; None for "anonymous"."""

    def pick(role: str) -> User | None:
        return None if role == "anonymous" else world["users"][role]

    return pick


# ---- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Debian Chromium per xdist worker, driven by Playwright, for every browser test.
    One, shared: Playwright's sync API keeps an event loop for as long as it runs, and a second
    `sync_playwright()` in the same process (a module's own) refuses to start beside it."""
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import ARGS, CHROMIUM

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()
