"""The browser suite's fixtures: the demo installation served on a local port and one Debian
Chromium per session driven by Playwright (the tools are in harness.py).

The demo is slow to load (tens of seconds), so each xdist worker loads it ONCE into a database
of its own and every test that changes data gets a copy of that database (a file copy on
SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL). One server thread serves the whole
session; a test points it at its copy."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import sync_playwright

from governance.extensions import db as _db
from governance.portfolio.seed import load_demo
from tests.browser.harness import ARGS, CHROMIUM, VIEWPORTS, LiveServer, Site, Walk, sign_in
from tests.conftest import PG_URL, create_worker_database, new_app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="Chromium missing: `make test` installs it")
    # Under `pytest -n N --dist loadgroup` the browser tests share one worker, so the demo is
    # loaded once per run instead of once per worker (no effect under the default --dist load).
    group = pytest.mark.xdist_group("browser")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(group)
            if shutil.which(CHROMIUM) is None:
                item.add_marker(skip)


# ---- the demo database, loaded once per worker --------------------------------------------


def _pg_url(name: str) -> str:
    assert PG_URL
    return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _admin_engine() -> sa.Engine:
    assert PG_URL
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture(scope="session")
def demo_database(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding the demo installation, loaded once for this worker's session. Never
    served directly: tests serve copies of it (`copy_demo`)."""
    if PG_URL:
        url = _pg_url(f"{sa.make_url(PG_URL).database}_demo")
        create_worker_database(PG_URL, url)
        app = new_app(url)
        with app.app_context():
            flask_migrate.upgrade(revision="heads")
            load_demo()
            _db.session.commit()
            _db.session.remove()
            _db.engine.dispose()  # a template database must have no connection when copied
        return url
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(database_template, path)
    app = new_app(f"sqlite:///{path}")
    with app.app_context():
        load_demo()
        _db.session.commit()
        with _db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        _db.session.remove()
        _db.engine.dispose()
    return str(path)


_copies = iter(range(1, 10**6))


@contextlib.contextmanager
def copy_demo(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL holding a fresh copy of the demo, dropped afterwards."""
    n = next(_copies)
    if PG_URL:
        template = sa.make_url(demo).database
        name = f"{template}_{n}"
        with _admin_engine().connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield _pg_url(name)
        with _admin_engine().connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp(f"demo{n}") / "demo.db"
        shutil.copyfile(demo, path)
        yield f"sqlite:///{path}"


# ---- one server for the session, pointed at a test's copy ---------------------------------


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.close()


@contextlib.contextmanager
def serving(server: LiveServer, url: str) -> Iterator[Flask]:
    app = new_app(url, SERVER_NAME=None)
    server.app = app
    try:
        yield app
    finally:
        server.app = None
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture(scope="module")
def demo_site(
    live_server: LiveServer, demo_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The demo served for a module that only reads (the sweep): one copy for the module."""
    with copy_demo(demo_database, tmp_path_factory) as url, serving(live_server, url) as app:
        yield Site(live_server.url, app)


@pytest.fixture
def fresh_demo(
    live_server: LiveServer, demo_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The demo served from a copy of its own, for a test that changes data (a walk)."""
    with copy_demo(demo_database, tmp_path_factory) as url, serving(live_server, url) as app:
        yield Site(live_server.url, app)


# ---- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def walk(browser: Any, fresh_demo: Site) -> Iterator[Callable[[str, str, str], Walk]]:
    """`walk(role, width, name)`: a signed-in page on a fresh demo, wrapped in a click counter.
    Signing in is not counted: every walk starts on the portfolio, where sign-in lands."""
    pages: list[Any] = []

    def start(role: str, width: str, name: str) -> Walk:
        page = sign_in(browser, fresh_demo.url, role, VIEWPORTS[width])
        pages.append(page)
        started = Walk(page, f"{name}-{width}")
        started.check()  # the portfolio, where the walk starts
        return started

    yield start
    for page in pages:
        page.context.close()
