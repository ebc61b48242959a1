"""The dashboards in a real browser: Debian's Chromium driven by Playwright against the app
served on a local port. Every figure is drawn (an SVG inside `.js-plotly-plot`), the console
shows no error, the drawn numbers match the tables, and screenshots go to tests/artifacts/.

Runs on SQLite only (tests/conftest.py): what it judges is the served HTML, script and layout,
the same on either database; the pages and actions are also tested through the test client
on both."""

from __future__ import annotations

import shutil

import pytest

from governance.dashboards import figures as dashboards
from governance.portfolio.seed import DEMO_PASSWORD
from tests.browser.harness import ARTIFACTS, CHROMIUM

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Chromium missing: `make test` installs it"
)


@pytest.fixture(scope="module")
def server(live_demo):
    return live_demo.url


def _signed_in_page(browser, server, email):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    return page, errors


def _check_drawn(page, expected: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.figure-plot[data-drawn=true] svg.main-svg').length >= n",
        arg=expected,
        timeout=30_000,
    )
    assert page.locator(".js-plotly-plot").count() == expected
    for plot in page.locator(".js-plotly-plot").all():
        assert plot.locator("svg").count() > 0


def _screenshots(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    for card in page.locator(".figure-card").all():
        key = card.get_attribute("id")
        card.screenshot(path=str(ARTIFACTS / f"{name}--{key}.png"))


ORGS = ["northwind-logistics", "meridian-health-mutual", "kestrel-bank", "bluefin-media"]


def test_every_dashboard_draws_every_figure_without_console_errors(browser, server):
    page, errors = _signed_in_page(browser, server, "admin@example.com")
    page.goto(f"{server}/")
    _check_drawn(page, len(dashboards.PORTFOLIO_FIGURES))
    _screenshots(page, "portfolio")
    for slug in ORGS:
        page.goto(f"{server}/orgs/{slug}/dashboard")
        _check_drawn(page, len(dashboards.ORGANIZATION_FIGURES))
        _screenshots(page, f"dashboard-{slug}")
    assert errors == []


def test_drawn_figures_match_the_tables_beside_them(browser, server):
    page, errors = _signed_in_page(browser, server, "leader@example.com")
    page.goto(f"{server}/orgs/northwind-logistics/dashboard")
    _check_drawn(page, len(dashboards.ORGANIZATION_FIGURES))
    drawn = page.evaluate(
        """() => {
          const r = document.getElementById('plot-maturity_radar').data[0];
          const body = (key) => document.querySelectorAll(`table[data-figure=${key}] tbody tr`);
          const rows = [...body('maturity_radar')];
          const risk = document.getElementById('plot-risk_heatmap').data[0].z.flat();
          const riskRows = [...body('risk_heatmap')];
          const count = (tr) => parseInt(tr.querySelectorAll('td')[2].textContent);
          return {
            theta: r.theta.slice(0, -1), r: r.r.slice(0, -1),
            names: rows.map(tr => tr.querySelector('th').textContent.trim()),
            latest: rows.map(tr => parseFloat(tr.querySelectorAll('td')[0].textContent)),
            riskTotal: risk.reduce((a, b) => a + b, 0),
            riskTable: riskRows.reduce((a, tr) => a + count(tr), 0),
          };
        }"""
    )
    assert drawn["theta"] == drawn["names"]
    assert drawn["r"] == drawn["latest"]
    assert drawn["riskTotal"] == drawn["riskTable"] > 0
    assert errors == []
