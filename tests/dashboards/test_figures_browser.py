"""Issue 15 (charts) in a real browser (Debian's Chromium, Playwright), on the demo loaded once
for the module: the tables stay when plotly.js cannot load, the lineage graph's labels never
overlap nor leave the plot (measured on the rendered SVG, demo data and a generated 40-artifact
graph, at 1440×900 and 390×844), and axe finds no interactive control nested in a chart.
Screenshots go to tests/artifacts/.

Runs on SQLite only (tests/conftest.py): what it judges is the served HTML, script and layout,
the same on either database; the pages and actions are also tested through the test client
on both."""

from __future__ import annotations

import itertools
import random
import shutil
from pathlib import Path

import pytest

from governance.enums import ArtifactKind, EdgeKind
from governance.extensions import db as _db
from governance.lineage import operations as ops
from governance.lineage.models import LineageEdge
from governance.people.operations import find_user
from governance.portfolio import operations as portfolio
from governance.portfolio.seed import DEMO_PASSWORD
from tests.dashboards.test_dashboards_browser import CHROMIUM

sync_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Chromium missing: `make test` installs it"
)
BIG = "generated-lineage"


def _big_graph() -> None:
    """40 artifacts across the kinds, with long, wide and short names, in an org of their own."""
    rng = random.Random(15)
    org = portfolio.create_organization(BIG, "Generated Lineage")
    admin = find_user("admin@example.com")
    words = ["parcel", "Fraud", "WEEKLY", "curated/delivery_stops", "v2", "hub", "éclair"]
    kinds = list(ArtifactKind)
    made = []
    for i in range(40):
        name = "-".join(rng.choices(words, k=rng.randint(1, 5))) + f"-{i}"
        data = ops.ArtifactInput("gen", name)
        made.append(ops.register_artifact(org, admin, kinds[i % len(kinds)], data))
    _db.session.flush()
    pairs = {(rng.randrange(40), rng.randrange(40)) for _ in range(70)}
    for s, t in sorted(pairs):
        if s != t:
            _db.session.add(
                LineageEdge(
                    organization_id=org.id,
                    source_id=made[s].id,
                    target_id=made[t].id,
                    kind=EdgeKind.FEEDS,
                )
            )


@pytest.fixture(scope="module")
def server(live_demo):
    """The shared demo served for this module, plus the generated graph in an org of its own."""
    with live_demo.app.app_context():
        _big_graph()
        _db.session.commit()
        _db.session.remove()
    return live_demo.url


def _page(browser, server, size="desktop", email="admin@example.com"):
    width, height = VIEWPORTS[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    # Generous: the portfolio page computes its figures, slow on a busy shared machine.
    page.wait_for_url(f"{server}/", timeout=120_000)
    return page


def test_the_tables_stay_with_their_rows_when_plotly_cannot_load(browser, server):
    page = _page(browser, server)
    page.route("**/assets/plotly*", lambda route: route.abort())
    page.goto(f"{server}/orgs/northwind-logistics/dashboard")
    page.wait_for_selector(".figure-plot[data-drawn=false]")
    tables = page.locator("table.data[data-figure]")
    assert tables.count() == page.locator(".figure-plot").count() > 0
    for table in tables.all():
        assert table.is_visible()
        assert table.locator("tbody tr").count() > 0
        assert table.locator("tbody tr").first.is_visible()
    note = page.locator(".figure-plot").first.text_content() or ""
    assert "the table has the same numbers" in note
    page.screenshot(path=str(_artifact("figures-without-plotly")), full_page=True)
    # The lineage page's table is folded under the graph: without the graph it opens.
    page.goto(f"{server}/orgs/northwind-logistics/lineage")
    page.wait_for_selector(".lineage-chart[data-drawn=false]")
    assert page.locator("details#artifacts-table").get_attribute("open") is not None
    rows = page.locator("details#artifacts-table tbody tr")
    assert rows.count() == 25 and rows.last.is_visible()
    page.close()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


LABEL_BOXES = """(chart) => {
  const plot = chart.querySelector('.nsewdrag').getBoundingClientRect();
  const labels = [...chart.querySelectorAll('g.textpoint text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  });
  return {plot: {left: plot.left, top: plot.top, right: plot.right, bottom: plot.bottom}, labels};
}"""


def _measure(page) -> dict:
    page.wait_for_selector(".lineage-chart[data-drawn=true]", timeout=30_000)
    return page.locator(".lineage-chart").evaluate(LABEL_BOXES)


def _assert_no_collisions(measured: dict, expected: int) -> None:
    labels, plot = measured["labels"], measured["plot"]
    assert len(labels) == expected
    for a, b in itertools.combinations(labels, 2):
        apart = (
            a["right"] <= b["left"]
            or b["right"] <= a["left"]
            or a["bottom"] <= b["top"]
            or b["bottom"] <= a["top"]
        )
        assert apart, f"{a['text']!r} overlaps {b['text']!r}"
    for label in labels:
        inside = (
            label["left"] >= plot["left"]
            and label["right"] <= plot["right"]
            and label["top"] >= plot["top"]
            and label["bottom"] <= plot["bottom"]
        )
        assert inside, f"{label['text']!r} is cut off by the plot area"


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize(("slug", "artifacts"), [("northwind-logistics", 25), (BIG, 40)])
def test_lineage_labels_neither_overlap_nor_are_cut_off(browser, server, size, slug, artifacts):
    page = _page(browser, server, size)
    page.goto(f"{server}/orgs/{slug}/lineage")
    _assert_no_collisions(_measure(page), artifacts)
    page.screenshot(path=str(_artifact(f"lineage-{slug}-{size}")), full_page=True)
    # A graph wider than the screen scrolls in its own box: the figure stays within the page.
    box = page.locator("figure.lineage-figure").bounding_box()
    assert box is not None and box["x"] + box["width"] <= VIEWPORTS[size][0]
    page.close()


def test_an_artifacts_graph_has_no_collisions_either(browser, server):
    page = _page(browser, server)
    page.goto(f"{server}/orgs/northwind-logistics/lineage")
    page.locator("details#artifacts-table summary").click()
    page.locator("details#artifacts-table a", has_text="curated/parcels_daily").click()
    measured = _measure(page)
    _assert_no_collisions(measured, len(measured["labels"]))
    assert len(measured["labels"]) > 1
    page.close()


# The demo's portfolio, dashboard and lineage pages are swept with every axe rule at both
# widths (tests/browser/test_page_sweep.py); here only the generated graph, which the demo lacks.
AXE_PAGES = [f"/orgs/{BIG}/lineage"]


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_control_nested_in_a_chart(browser, server, path):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    page = _page(browser, server)
    page.goto(f"{server}{path}")
    page.wait_for_selector("[data-drawn=true]", timeout=30_000)
    nested = axe.run(page, options={"runOnly": {"type": "rule", "values": ["nested-interactive"]}})
    assert nested.response["violations"] == []
    # The figures' own scrolling boxes (data tables, a wide lineage graph) take the keyboard.
    charts = axe.run(
        page,
        context={"include": [[".figure-card"], [".lineage-figure"]]},
        options={"runOnly": {"type": "rule", "values": ["scrollable-region-focusable"]}},
    )
    assert charts.response["violations"] == []
    page.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_screenshots_of_every_figure(browser, server, size):
    """Every portfolio and organization figure, for a person to look at (tests/artifacts/)."""
    page = _page(browser, server, size)
    for path, name in [("/", "portfolio"), ("/orgs/kestrel-bank/dashboard", "kestrel-bank")]:
        page.goto(f"{server}{path}")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.figure-plot')].every(p => p.dataset.drawn)",
            timeout=30_000,
        )
        for card in page.locator(".figure-card").all():
            card.screenshot(
                path=str(_artifact(f"figure-{name}-{size}--{card.get_attribute('id')}"))
            )
        width = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('.figure-card')]"
            ".map(c => c.getBoundingClientRect().right))"
        )
        assert width <= VIEWPORTS[size][0]
    page.close()
