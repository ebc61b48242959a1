"""Dashboard figures: valid Plotly specs, in agreement with their tables, the same from the
page, the CSV and the API, and a fixed number of SQL queries whatever the data size."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa

from governance.dashboards import figures as dashboards
from governance.dashboards.charts import OKABE_ITO, Chart
from governance.extensions import db as _db
from tests.maturity.factories import grow

TODAY = date.today()


@pytest.fixture
def demo(demo_data, db):
    return db


def _org_id(slug):
    from governance.portfolio.models import Organization

    return _db.session.scalar(sa.select(Organization.id).where(Organization.slug == slug))


def _all_charts():
    org_charts = dashboards.organization_charts(_org_id("northwind-logistics"), TODAY)
    return org_charts + dashboards.portfolio_charts(None, TODAY)


def test_every_figure_is_a_valid_plotly_spec_with_data(demo):
    for chart in _all_charts():
        assert not chart.empty, f"{chart.key} has no data in the demo"
        go.Figure(chart.figure)  # raises on any property Plotly does not know
        assert chart.figure["layout"]["colorway"] == OKABE_ITO
        json.dumps(chart.figure)  # plain JSON, no numpy or Decimal left


def _column(chart, name):
    return [row[chart.columns.index(name)] for row in chart.rows]


def test_the_radar_draws_the_numbers_of_its_table(demo):
    chart = dashboards.maturity_radar(
        dashboards.Scope(TODAY, org_id=_org_id("northwind-logistics"))
    )
    latest, previous, target = chart.figure["data"]
    assert latest["r"][:-1] == _column(chart, "Latest")
    assert previous["r"][:-1] == _column(chart, "Previous")
    assert target["r"][:-1] == _column(chart, "Target")
    assert latest["theta"][:-1] == _column(chart, "Dimension")
    # Northwind's four initiatives: strategy latest is the mean of 3, 3, 4, 3
    assert dict(zip(_column(chart, "Dimension"), _column(chart, "Latest"), strict=True))[
        "Strategy and objectives"
    ] == pytest.approx(3.25)


def test_line_and_bar_figures_agree_with_their_tables(demo):
    scope = dashboards.Scope(TODAY, org_id=_org_id("northwind-logistics"))
    trend = dashboards.maturity_trend(scope)
    table = {(row[0].isoformat(), row[1]): row[2] for row in trend.rows}
    for trace in trend.figure["data"]:
        for x, y in zip(trace["x"], trace["y"], strict=True):
            assert table.get((x, trace["name"])) == y
    burndown = dashboards.criteria_burndown(scope)
    assert burndown.figure["data"][0]["y"] == [float(v) for v in _column(burndown, "Still open")]
    cycle = dashboards.phase_cycle_time(scope)
    assert cycle.figure["data"][0]["y"] == _column(cycle, "Mean days")
    decisions = dashboards.decisions_over_time(scope)
    drawn = {
        (month, trace["name"]): y
        for trace in decisions.figure["data"]
        for month, y in zip(trace["x"], trace["y"], strict=True)
        if y
    }
    assert drawn == {(m, entry): float(n) for m, entry, n in decisions.rows}
    kpis = dashboards.kpi_progress(scope)
    assert kpis.figure["data"][0]["x"] == _column(kpis, "Progress %")


def test_heatmaps_agree_with_their_tables(demo):
    scope = dashboards.Scope(TODAY, org_id=_org_id("northwind-logistics"))
    risk = dashboards.risk_heatmap(scope)
    z = risk.figure["data"][0]["z"]
    for likelihood, impact, _score, count in risk.rows:
        assert z[5 - impact][likelihood - 1] == count
    assert sum(map(sum, z)) == sum(_column(risk, "Risks"))
    phases = dashboards.phase_heatmap(scope)
    assert len(phases.rows) == 4 * 7
    trace = phases.figure["data"][0]
    for initiative, phase, status, done, total in phases.rows:
        r, c = trace["y"].index(initiative), trace["x"].index(phase)
        assert trace["text"][r][c] == f"{status}<br>{done}/{total}"
    maturity = dashboards.portfolio_maturity(dashboards.Scope(TODAY, org_ids=None))
    trace = maturity.figure["data"][0]
    for org, dimension, level in maturity.rows:
        assert trace["z"][trace["y"].index(org)][trace["x"].index(dimension)] == level


def test_the_portfolio_shows_only_the_persons_organizations(demo):
    only = [_org_id("kestrel-bank")]
    for chart in dashboards.portfolio_charts(only, TODAY):
        text = json.dumps(chart.as_json())
        assert "Northwind" not in text and "Meridian" not in text


def test_the_page_embeds_the_figures_and_tables(demo, as_user):
    from governance.people.operations import find_user

    client = as_user(find_user("leader@example.com"))
    html = client.get("/orgs/northwind-logistics/dashboard").get_data(as_text=True)
    blocks = re.findall(
        r'<script type="application/json" class="js-figure"[^>]*>(.*?)</script>', html
    )
    assert len(blocks) == len(dashboards.ORGANIZATION_FIGURES)
    first = json.loads(blocks[0])
    assert first["data"][0]["type"] == "scatterpolar"
    assert html.count('<table class="data"') == len(blocks)
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert "/assets/plotly.min.js" in html and "cdn" not in html.lower()


def test_csv_and_api_carry_the_same_numbers(demo, as_user, runner):
    from governance.people.operations import create_token, find_user

    leader = find_user("leader@example.com")
    client = as_user(leader)
    response = client.get("/orgs/northwind-logistics/dashboard/risk_heatmap.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Likelihood", "Impact", "Score", "Risks"]
    _token, plain = create_token(leader)
    _db.session.commit()
    api = client.get(
        "/api/v1/orgs/northwind-logistics/dashboard/risk_heatmap",
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert api.status_code == 200
    body = api.get_json()
    assert [[str(v) for v in row] for row in body["table"]["rows"]] == rows[1:]
    assert body["figure"]["data"][0]["type"] == "heatmap"
    listing = client.get(
        "/api/v1/orgs/northwind-logistics/dashboard", headers={"Authorization": f"Bearer {plain}"}
    ).get_json()
    assert [i["key"] for i in listing["items"]] == list(dashboards.ORGANIZATION_FIGURES)
    missing = client.get(
        "/api/v1/orgs/northwind-logistics/dashboard/nope",
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/orgs/{slug}/dashboard/{figure}" in spec["paths"]
    portfolio = client.get(
        "/api/v1/dashboard/portfolio_progress", headers={"Authorization": f"Bearer {plain}"}
    ).get_json()
    assert "Bluefin Media Group" not in json.dumps(portfolio)  # leader is not a member there


def test_a_csv_cell_cannot_become_a_spreadsheet_formula():
    from governance.dashboards.charts import Chart

    chart = Chart("k", "t", "d", {}, ["Name"], [["=HYPERLINK(1)"], ["plain"]])
    assert chart.csv().splitlines()[1] == "'=HYPERLINK(1)"


def _count_queries(client, path):
    # Warm-up request first: the signed-in user, expired by the factories' commit, is reloaded
    # there rather than counted against the page.
    assert client.get(path).status_code == 200
    engine = _db.engine
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_query_count_does_not_grow_with_the_data(world, as_user, db):
    org, leader = world["org"], world["users"]["leader"]
    grow(org, leader, 2)
    client = as_user(leader)
    small = {p: _count_queries(client, p) for p in ("/orgs/acme-freight/dashboard", "/")}
    grow(org, leader, 18)  # ten times the initiatives, assessments, measurements and risks
    large = {p: _count_queries(client, p) for p in ("/orgs/acme-freight/dashboard", "/")}
    assert large == small
    assert small["/orgs/acme-freight/dashboard"] <= 20


def test_the_table_beside_a_figure_escapes_every_value_and_aligns_numbers():
    chart = Chart(
        "k",
        "T",
        "d",
        {},
        ["Name", "Count", "Note"],
        [['<script>alert("x")</script>', 3, "a & b"], ["Plain", 2.5, None]],
    )
    assert str(chart.table_body) == (
        '<tr><th scope="row">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</th>'
        '<td class="num">3</td><td>a &amp; b</td></tr>\n'
        '<tr><th scope="row">Plain</th><td class="num">2.5</td><td>—</td></tr>'
    )


def test_the_burndown_counts_what_was_open_at_each_week_end(demo):
    """The weekly figures against a count made criterion by criterion, with criteria met on a
    week's cutoff, waived, reopened and in phases not started yet."""
    from datetime import UTC, datetime, time, timedelta

    from governance.dashboards.queries import burndown
    from governance.enums import CriterionStatus
    from governance.gates.models import ExitCriterion, Phase

    org_id = _org_id("northwind-logistics")
    criteria = _db.session.scalars(
        sa.select(ExitCriterion)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(Phase.organization_id == org_id)
        .order_by(ExitCriterion.id)
    ).all()
    ends = [TODAY - timedelta(weeks=n) for n in reversed(range(26))]
    cutoff = [datetime.combine(d + timedelta(days=1), time(), tzinfo=UTC) for d in ends]
    # Edge cases written over the demo's data, without the rules (the query reads columns).
    criteria[0].status, criteria[0].met_at = CriterionStatus.MET, cutoff[10]  # on a cutoff
    criteria[1].status, criteria[1].met_at = CriterionStatus.MET, cutoff[10] - timedelta(0, 1)
    criteria[2].status, criteria[2].met_at = CriterionStatus.WAIVED, None
    criteria[3].status, criteria[3].met_at = CriterionStatus.OPEN, None  # reopened
    criteria[4].phase.started_at = cutoff[20]  # started on a cutoff: counted from the next week
    _db.session.flush()
    _db.session.expire_all()

    def by_hand(week: int) -> tuple[int, int]:
        counted = opened = 0
        for c in _db.session.scalars(
            sa.select(ExitCriterion)
            .join(Phase, Phase.id == ExitCriterion.phase_id)
            .where(Phase.organization_id == org_id)
        ):
            started = c.phase.started_at
            if started is None or started >= cutoff[week]:
                continue
            counted += 1
            # The one state (issue 14): met by evidence or by its rule, since `met_since`.
            done = c.state == CriterionStatus.WAIVED or (
                c.state == CriterionStatus.MET
                and (c.met_since is None or c.met_since < cutoff[week])
            )
            opened += not done
        return counted, opened

    weekly = burndown(org_id, TODAY)
    assert [d for d, _n, _o in weekly] == ends
    assert [(n, o) for _d, n, o in weekly] == [by_hand(w) for w in range(26)]
    assert len({(n, o) for _d, n, o in weekly}) > 1  # the demo moves over the half-year


def test_each_kpi_shows_its_latest_measurement_and_how_many_it_has(demo):
    from governance.dashboards.maturity_queries import kpi_status
    from governance.maturity.models import Kpi, KpiMeasurement

    org_id = _org_id("northwind-logistics")
    kpis = _db.session.scalars(sa.select(Kpi).where(Kpi.organization_id == org_id)).all()
    silent = kpis[0]  # its measurements removed: listed with none
    _db.session.execute(sa.delete(KpiMeasurement).where(KpiMeasurement.kpi_id == silent.id))
    _db.session.flush()
    expected = {}
    for kpi in kpis:
        measured = sorted(
            _db.session.scalars(sa.select(KpiMeasurement).where(KpiMeasurement.kpi_id == kpi.id)),
            key=lambda m: m.measured_on,
        )
        last = measured[-1] if measured else None
        expected[kpi.name] = (
            last.measured_on if last else None,
            float(last.value) if last else None,
            len(measured),
        )
    rows = kpi_status(org_id)
    got = {
        r.name: (r.measured_on, float(r.latest) if r.latest is not None else None, r.measurements)
        for r in rows
    }
    assert got == expected and len(rows) == len(kpis)
    assert got[silent.name] == (None, None, 0)
    assert any(n > 1 for _d, _v, n in got.values())
