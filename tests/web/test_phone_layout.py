"""Every page kind on a phone (390×844) and a laptop (1440×900) in Debian's Chromium: no page
scrolls sideways (the document is no wider than the window), a table too wide for the screen
scrolls inside its own region the keyboard can reach, and the review queue's Approve and Review
buttons are on screen. Screenshots of the phone pages go to tests/artifacts/phone-<page>.png.

The demo is loaded once for the module (it is slow); the pages are only read, never changed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, url_for

from governance.decisions.models import Decision
from governance.enums import ArtifactKind
from governance.extensions import db
from governance.gates.models import Checkpoint
from governance.lineage.models import LineageArtifact
from governance.people.models import Membership
from governance.portfolio.models import Initiative, Organization
from governance.portfolio.seed import DEMO_PASSWORD, load_demo
from tests.conftest import module_app
from tests.live_server import live_server

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-gpu"]  # fmt: skip
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Chromium missing: `make test` installs it"
)
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
SLUG = "northwind-logistics"


def _pages(app: Flask) -> dict[str, str]:
    """Each page kind, named for its screenshot, at a path of the demo."""
    org = db.session.scalar(db.select(Organization).where(Organization.slug == SLUG))
    assert org is not None
    initiative = db.session.scalars(
        db.select(Initiative).where(Initiative.organization_id == org.id).order_by(Initiative.id)
    ).first()
    checkpoint = db.session.scalars(
        db.select(Checkpoint).where(Checkpoint.organization_id == org.id).order_by(Checkpoint.id)
    ).first()
    decision = db.session.scalars(
        db.select(Decision).where(Decision.organization_id == org.id).order_by(Decision.seq.desc())
    ).first()
    artifact = db.session.scalars(
        db.select(LineageArtifact)
        .where(
            LineageArtifact.organization_id == org.id,
            LineageArtifact.kind == ArtifactKind.DEPLOYMENT,
        )
        .order_by(LineageArtifact.id)
    ).first()
    member = db.session.scalars(
        db.select(Membership).where(Membership.organization_id == org.id).order_by(Membership.id)
    ).first()
    assert initiative and checkpoint and decision and artifact and member
    s, i = SLUG, initiative.id
    with app.test_request_context():
        return {
            "portfolio": url_for("portfolio.index"),
            "organization": url_for("organizations.show", slug=s),
            "initiative": url_for("initiatives.show", slug=s, initiative_id=i),
            "checkpoint": url_for("checkpoints.show", slug=s, checkpoint_id=checkpoint.id),
            "reviews": url_for("checkpoints.queue"),
            "decision-log": url_for("decisions.index", slug=s),
            "decision": url_for("decisions.show", slug=s, seq=decision.seq),
            "decision-form": url_for("decisions.create", slug=s),
            "lineage": url_for("lineage.index", slug=s),
            "artifact": url_for("lineage.show", slug=s, artifact_id=artifact.id),
            "impact": url_for("lineage.impact", slug=s, artifact_id=artifact.id),
            "risks": url_for("risks.index", slug=s),
            "objectives": url_for("maturity.objectives", slug=s, initiative_id=i),
            "assessments": url_for("maturity.assessments", slug=s, initiative_id=i),
            "dashboard": url_for("dashboards.organization", slug=s),
            "users": url_for("admin.users"),
            "members": url_for("organizations.members", slug=s),
            "confirm-removal": url_for(
                "organizations.confirm_remove_member", slug=s, user_id=member.user_id
            ),
            "password": url_for("auth.password"),
        }


@pytest.fixture(scope="module")
def site(database_template, tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    with module_app(database_template, tmp_path_factory, "phone", SERVER_NAME=None) as app:
        load_demo()
        db.session.commit()
        pages = _pages(app)
        db.session.remove()
        with live_server(app) as url:
            yield url, pages


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _sign_in(browser, server: str, viewport: dict[str, int], email: str = "admin@example.com"):
    page = browser.new_page(viewport=viewport)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/", wait_until="commit")  # not the portfolio's figures
    return page


WIDTH = "() => document.documentElement.scrollWidth"
# Every region that scrolls sideways: the keyboard must reach it, and it must say what it is.
UNREACHABLE_SCROLLERS = """() => [...document.querySelectorAll('main *')].filter(el => {
    const style = getComputedStyle(el);
    return el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(style.overflowX)
      && !(el.tabIndex >= 0 && el.getAttribute('role') === 'region'
           && el.getAttribute('aria-label'))
      && !el.closest('.js-plotly-plot, .lineage-chart');
  }).map(el => el.outerHTML.slice(0, 80))"""


def _settle(page) -> None:
    """Wait for the figures a page draws (they may change its width)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.figure-plot')].every(p => p.dataset.drawn)",
        timeout=30_000,
    )


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_page_scrolls_sideways(chromium, site, viewport) -> None:
    server, pages = site
    page = _sign_in(chromium, server, viewport)
    widths: dict[str, int] = {}
    unreachable: dict[str, list[str]] = {}
    phone = viewport is PHONE
    if phone:
        ARTIFACTS.mkdir(exist_ok=True)
    for name, path in pages.items():
        page.goto(server + path)
        _settle(page)
        widths[name] = page.evaluate(WIDTH)
        if found := page.evaluate(UNREACHABLE_SCROLLERS):
            unreachable[name] = found
        if phone:
            page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    signed_out = chromium.new_page(viewport=viewport)
    signed_out.goto(f"{server}/login")
    widths["login"] = signed_out.evaluate(WIDTH)
    if phone:
        signed_out.screenshot(path=str(ARTIFACTS / "phone-login.png"), full_page=True)
    print(f"\nwidths at {viewport['width']} px:", widths)
    assert {name: w for name, w in widths.items() if w > viewport["width"]} == {}
    assert unreachable == {}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize("email", ["admin@example.com", "pmo@example.com"])
def test_review_queue_actions_are_on_screen(chromium, site, viewport, email) -> None:
    server, pages = site
    page = _sign_in(chromium, server, viewport, email)
    page.goto(server + pages["reviews"])
    buttons = page.locator("table.queue a.button")
    if email == "pmo@example.com":
        assert buttons.count() >= 2  # the PMO has checkpoints to decide in the demo
    for button in buttons.all():  # sideways position only: the page is never scrolled sideways
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], button.inner_text()
