"""The browser suite's tools, shared by its tests (the fixtures are in conftest.py): Debian's
Chromium and its arguments, the two screens, a signed-in page per role of the demo, the
sideways-scroll check, axe (axe-playwright-python bundles axe-core: nothing is downloaded when
the suite runs), screenshots, and `Walk`, the click counter of the role walks."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from governance.portfolio.seed import DEMO_PASSWORD

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
TIMEOUT_MS = 120_000


# ---- signing in ----------------------------------------------------------------------------


def sign_in(browser: Any, base: str, role: str | None, viewport: dict[str, int]) -> Any:
    """A new page at `viewport` in a context of its own, signed in as the demo's `role`
    through the login form (None: nobody signed in). Close it with `page.context.close()`."""
    context = browser.new_context(viewport=viewport, base_url=base)
    # A fresh copy's first portfolio computes every roll-up; on a busy 2-core machine running
    # PostgreSQL that passed Playwright's 30 s default.
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
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


_axe = Axe()
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
            timeout=TIMEOUT_MS,
        )


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


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

    def check(self, *, axe: bool = True) -> None:
        """Judge the page reached (once per path); `axe=False` where the sweep already ran
        axe on this very page (the portfolio every walk starts on)."""
        path = self.page.url.split("#")[0]
        if any(seen["url"] == path for seen in self.pages):
            return
        wait_for_figures(self.page)
        seen: dict[str, Any] = {"url": path, **widths(self.page), "axe": {}}
        if axe and seen["innerWidth"] < WIDE["width"]:
            seen["axe"] = serious_violations(self.page, contrast=False)
        self.pages.append(seen)
        for rule, count in seen["axe"].items():
            self.problems.append(f"{path}: axe {rule} on {count} element(s)")
        if not no_horizontal_scroll(self.page):
            self.problems.append(
                f"{path}: scrolls sideways ({seen['scrollWidth']} px wide in {seen['innerWidth']})"
            )

    def shot(self, label: str) -> None:
        """What the person sees at this step: the window, not the whole page."""
        screenshot(self.page, f"walk-{self.name}-{label}", full_page=False)


def _describe(locator: Any) -> str:
    with contextlib.suppress(Exception):
        text = locator.inner_text(timeout=1000).strip()
        return " ".join(text.split())[:60] or str(locator)
    return str(locator)
