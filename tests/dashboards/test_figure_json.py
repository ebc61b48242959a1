"""Issue 15 (charts): what a signed-in browser gets from a figure card's links, the whole-number
scales of counts, and the chart markup (a <figure> with its caption, no role="img" around
Plotly's mode bar)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from governance.dashboards import charts
from governance.dashboards import figures as dashboards
from governance.extensions import db as _db
from governance.people.operations import create_token, find_user


@pytest.fixture
def demo(demo_data, db):
    """The demo installation (restored from the worker's copy: as `load_demo()` leaves it)."""
    return db


def test_the_figure_json_link_answers_the_signed_in_browser_with_the_apis_body(demo, as_user):
    leader = find_user("leader@example.com")
    client = as_user(leader)
    html = client.get("/orgs/northwind-logistics/dashboard").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" type="application/json">Figure JSON</a>', html)
    assert len(links) == len(dashboards.ORGANIZATION_FIGURES)
    assert "/api/v1/" not in html  # the browser has no token: no link it cannot follow
    web = client.get(links[0])
    assert web.status_code == 200 and web.mimetype == "application/json"
    _token, plain = create_token(leader)
    _db.session.commit()
    api = client.get(
        "/api/v1/orgs/northwind-logistics/dashboard/maturity_radar",
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert links[0] == "/orgs/northwind-logistics/dashboard/maturity_radar.json"
    assert web.get_json() == api.get_json()


def test_the_portfolio_figure_json_holds_only_the_persons_organizations(demo, as_user):
    client = as_user(find_user("leader@example.com"))
    html = client.get("/").get_data(as_text=True)
    assert 'href="/dashboard/portfolio_progress.json"' in html
    body = client.get("/dashboard/portfolio_progress.json").get_json()
    assert body["key"] == "portfolio_progress"
    assert "Bluefin Media Group" not in json.dumps(body)  # the leader is not a member there


def test_figure_json_refuses_unknown_figures_and_strangers(demo, as_user, client):
    leader = as_user(find_user("leader@example.com"))
    assert leader.get("/orgs/northwind-logistics/dashboard/nope.json").status_code == 404
    assert leader.get("/dashboard/nope.json").status_code == 404
    # Bluefin is not the leader's: as for the page and the CSV, no such organization.
    assert leader.get("/orgs/bluefin-media/dashboard/risk_heatmap.json").status_code == 404
    assert client.get("/dashboard/risk_heatmap.json").status_code == 302  # to the sign-in


def test_chart_cards_are_figures_with_a_caption_not_images_holding_controls(demo, as_user):
    html = as_user(find_user("leader@example.com")).get("/orgs/kestrel-bank/dashboard")
    text = html.get_data(as_text=True)
    assert 'role="img"' not in text
    cards = len(dashboards.ORGANIZATION_FIGURES)
    assert text.count("<figure ") == cards and text.count("<figcaption") == cards
    assert text.count('href="#table-') == cards  # the caption leads to the data table
    # A table wider than half a card (the KPIs' ten columns) goes under its chart.
    assert 'class="figure-row figure-wide"' in text


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (1, 1), (3, 1), (6, 1), (7, 2), (12, 2), (13, 5), (31, 10)]
)
def test_count_ticks_are_whole_numbers_and_few(largest, step):
    ticks = charts.count_ticks(largest)
    assert ticks["dtick"] == step and ticks["tickformat"] == ",d" and ticks["tick0"] == 0
    assert largest / step <= 6


def test_counts_are_drawn_on_whole_number_scales(demo):
    from tests.dashboards.test_dashboards_charts import _org_id

    today = date.today()
    scope = dashboards.Scope(today, org_id=_org_id("northwind-logistics"))
    risk = dashboards.risk_heatmap(scope).figure["data"][0]
    largest = max(v for row in risk["z"] for v in row)
    assert risk["zmax"] == largest and risk["colorbar"]["dtick"] >= 1
    assert risk["colorbar"]["tickformat"] == ",d"
    decisions = dashboards.decisions_over_time(scope).figure["layout"]["yaxis"]
    burndown = dashboards.criteria_burndown(scope).figure["layout"]["yaxis"]
    everyone = dashboards.Scope(today, org_ids=None)
    progress = dashboards.portfolio_progress(everyone).figure["layout"]["xaxis"]
    attention = dashboards.portfolio_attention(everyone).figure["layout"]["xaxis"]
    for axis in (decisions, burndown, progress, attention):
        assert axis["tickformat"] == ",d" and isinstance(axis["dtick"], int)


def test_the_legend_sits_below_the_axis_title_not_on_it():
    figure = charts.bars("t", ["a"], [("x", [1.0]), ("y", [2.0])], horizontal=True, axis_title="n")
    legend = figure["layout"]["legend"]
    # At the bottom of the whole figure, with the margin made for it: never over the x title.
    assert (legend["yref"], legend["y"], legend["yanchor"]) == ("container", 0, "bottom")
    assert figure["layout"]["xaxis"]["automargin"] is True
