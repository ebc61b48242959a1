"""The browser suite's harness: the demo installation served on a local port, one Debian
Chromium per session driven by Playwright, a signed-in page per role, a click counter for the
role walks, axe (axe-playwright-python, which bundles axe-core: nothing is downloaded when the
suite runs) and the horizontal-scroll check.

The demo is slow to load (tens of seconds), so each xdist worker loads it ONCE into a database
of its own and every test that changes data gets a copy of that database (a file copy on
SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL). One server thread serves the whole
session; a test points it at its copy."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from governance.extensions import db as _db
from governance.portfolio.seed import DEMO_PASSWORD, load_demo
from tests.conftest import PG_URL, create_worker_database, new_app

sync_api = pytest.importorskip("playwright.sync_api")
axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
# The two screens every page must work on: a laptop and a phone.
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"1440": WIDE, "390": PHONE}

# The demo's people (seed_data/demo.yaml): the Northwind Logistics team and the admin.
ROLE_EMAILS = {
    "leader": "leader@example.com",
    "pmo": "pmo@example.com",
    "contributor": "contributor@example.com",
    "auditor": "auditor@example.com",
    "admin": "admin@example.com",
}
SERIOUS = ("serious", "critical")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM) is None:
        skip = pytest.mark.skip(reason="Chromium missing: `make test` installs it")
        for item in items:
            if "tests/browser/" in str(item.fspath):
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


class LiveServer:
    """A threaded WSGI server on a free port whose app a fixture swaps."""

    def __init__(self) -> None:
        self.app: Flask | None = None
        self.httpd = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None, "no demo site is being served"
        return self.app(environ, start_response)

    def close(self) -> None:
        self.httpd.shutdown()
        self.thread.join(timeout=10)


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


@dataclass
class Site:
    """A copy of the demo being served: `url` to browse, `app` to read or prepare data."""

    url: str
    app: Flask


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
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def sign_in(browser: Any, base: str, role: str | None, viewport: dict[str, int]) -> Any:
    """A new page at `viewport` in a context of its own, signed in as the demo's `role`
    through the login form (None: nobody signed in). Close it with `page.context.close()`."""
    context = browser.new_context(viewport=viewport, base_url=base)
    page = context.new_page()
    page.errors = []  # console errors and uncaught exceptions, for the tests that check them
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    if role is not None:
        page.goto("/login")
        page.get_by_label("Email").fill(ROLE_EMAILS[role])
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
    return page


# ---- what every page must pass -----------------------------------------------------------


def widths(page: Any) -> dict[str, int]:
    return page.evaluate(
        "() => ({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth})"
    )


def no_horizontal_scroll(page: Any) -> bool:
    """The page does not scroll sideways: nothing is wider than the window."""
    seen = widths(page)
    return seen["scrollWidth"] <= seen["innerWidth"]


_axe = axe_playwright.Axe()
# Colour contrast is most of axe's time and does not change with the window's width: it is
# checked at the first width only (`contrast=False` at the second).
WITHOUT_CONTRAST = {"resultTypes": ["violations"], "rules": {"color-contrast": {"enabled": False}}}


def _run_axe(page: Any, options: dict[str, Any]) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)  # once per document: the script is half a megabyte
    return page.evaluate("options => axe.run(document, options)", options)["violations"]


def serious_violations(page: Any, *, contrast: bool = True) -> dict[str, int]:
    """axe's serious and critical violations on the page as it is now: rule id -> node count."""
    options = {"resultTypes": ["violations"]} if contrast else WITHOUT_CONTRAST
    return {v["id"]: len(v["nodes"]) for v in _run_axe(page, options) if v["impact"] in SERIOUS}


def violation_details(page: Any, rule: str) -> list[str]:
    """Where a rule fails (its nodes' selectors and axe's summary), for a failure message."""
    return [
        f"{node['target']}: {' '.join(node.get('failureSummary', '').split())}"
        for v in _run_axe(page, {"runOnly": [rule], "resultTypes": ["violations"]})
        for node in v["nodes"]
    ]


def wait_for_figures(page: Any) -> None:
    """Let every chart on the page draw (or fail) before the page is judged."""
    plots = page.locator(".figure-plot")
    if plots.count():
        page.wait_for_function(
            "() => [...document.querySelectorAll('.figure-plot')]"
            ".every(el => el.dataset.drawn !== undefined)",
            timeout=30_000,
        )


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# ---- the click counter -------------------------------------------------------------------


@dataclass
class Walk:
    """A person's task in the browser: every click goes through here (a form's submit button
    and a download included; typing is not a click), so the count a walk reports is the
    count a person makes. Each page the walk reaches is checked once: no sideways scroll, and
    on the phone no serious axe violation (the sweep runs axe on every kind of page at both
    widths, contrast included; a walk adds the states only it reaches, such as a page after
    an action, at the width where layouts differ)."""

    page: Any
    name: str
    steps: list[str] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def clicks(self) -> int:
        return len(self.steps)

    def click(self, locator: Any, *, why: str = "", navigates: bool = True) -> None:
        """Click a link, button or control, then check the page it leads to."""
        locator.scroll_into_view_if_needed()
        self.steps.append(why or _describe(locator))
        locator.click()
        if navigates:
            self.page.wait_for_load_state()
            self.check()

    def check(self) -> None:
        path = self.page.url.split("#")[0]
        if any(seen["url"] == path for seen in self.pages):
            return
        wait_for_figures(self.page)
        seen: dict[str, Any] = {"url": path, **widths(self.page), "axe": {}}
        if seen["innerWidth"] < WIDE["width"]:
            seen["axe"] = serious_violations(self.page, contrast=False)
        self.pages.append(seen)
        for rule, count in seen["axe"].items():
            self.problems.append(f"{path}: axe {rule} on {count} element(s)")
        if seen["scrollWidth"] > seen["innerWidth"]:
            self.problems.append(
                f"{path}: scrolls sideways ({seen['scrollWidth']} px wide in {seen['innerWidth']})"
            )

    def shot(self, label: str) -> None:
        screenshot(self.page, f"walk-{self.name}-{label}")


def _describe(locator: Any) -> str:
    with contextlib.suppress(Exception):
        text = locator.inner_text(timeout=1000).strip()
        return " ".join(text.split())[:60] or str(locator)
    return str(locator)


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
