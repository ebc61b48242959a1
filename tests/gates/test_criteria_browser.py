"""The contributor's main task in a real browser (Chromium, 1440×900, demo data): "Waiting on
you" opens the criterion itself, near the top of its initiative page; "Mark met" returns to it.

Runs on SQLite only (tests/conftest.py): what it judges is the served HTML, script and layout,
the same on either database; the pages and actions are also tested through the test client
on both."""

from __future__ import annotations

import re

import pytest

from governance.portfolio.seed import DEMO_PASSWORD
from tests.dashboards.test_dashboards_browser import (  # noqa: F401  (fixtures, by name)
    ARTIFACTS,
    server,
)

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not __import__("shutil").which("/usr/bin/chromium"), reason="Chromium missing"
)

FIRST_OPEN = """(() => { const e = document.querySelector('li.criterion.s-open');
  return e ? e.getBoundingClientRect().top + window.scrollY : null })()"""


def test_waiting_on_you_lands_on_the_criterion_and_mark_met_returns_to_it(request):
    base, chromium = request.getfixturevalue("server"), request.getfixturevalue("browser")
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "contributor@example.com")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    clicks = 0
    item = page.locator("#waiting-h ~ ul.items li").first
    link = item.locator("a").first
    title = link.inner_text()
    link.click()  # click 1: the criterion on its initiative's page
    clicks += 1
    page.wait_for_load_state()
    anchor = re.search(r"#(criterion-\d+)$", page.url).group(1)
    criterion = page.locator(f"#{anchor}")
    assert title in criterion.inner_text() and criterion.is_visible()
    box = criterion.bounding_box()
    assert box is not None and -2 < box["y"] < 900  # on screen, not at the page top
    # The current phase's open criteria come first: the first one is within the first screen.
    assert page.evaluate(FIRST_OPEN) < 900
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "criterion-landing-1440.png"))
    criterion.get_by_role("link", name="Mark met with evidence").click()  # click 2
    clicks += 1
    page.fill("textarea[name=evidence_text]", "Reviewed with the model owner.")
    page.get_by_role("button", name="Mark met").click()  # click 3
    clicks += 1
    page.wait_for_url(re.compile(rf".*#{anchor}$"))
    assert page.locator(f"#{anchor}").is_visible()  # the folded list opens at the anchor
    assert "is met" in page.locator(".flash").first.inner_text()
    assert page.locator(f"#{anchor}.s-met").count() == 1
    assert clicks == 3
    page.close()
