"""The operations figures: valid Plotly specs in the house palette, drawing the numbers of
their tables; empty organizations get "No data yet", not an error."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest

from governance.dashboards.charts import OKABE_ITO
from governance.database import utcnow
from governance.incidents import figures
from tests.incidents.history import build_history


def _report(world):
    org = world["org"]
    return figures.report(org.id, org.mttr_target_minutes, utcnow())


def test_every_figure_is_a_valid_plotly_spec_with_data(world):
    build_history(world)
    report = _report(world)
    for key, build in figures.FIGURES.items():
        chart = build(report)
        assert chart.key == key and not chart.empty, key
        go.Figure(chart.figure)  # raises on any property Plotly does not know
        assert chart.figure["layout"]["colorway"] == OKABE_ITO
        json.dumps(chart.figure)
        assert chart.figure["data"][0]["x"] == report.months


def test_the_lines_draw_the_numbers_of_the_table(world):
    build_history(world)
    report = _report(world)
    chart = figures.incident_times(report)
    mttd, mtta, mttr = chart.figure["data"]
    table = {row[0]: row for row in chart.rows}
    for month, d, a, r in zip(report.months, mttd["y"], mtta["y"], mttr["y"], strict=True):
        if month in table:
            assert (d, a, r) == (table[month][2], table[month][4], table[month][6])
        else:
            assert (d, a, r) == (None, None, None)
    assert chart.figure["layout"]["shapes"][0]["y0"] == 240  # the MTTR target line
    severity = figures.incidents_by_severity(report)
    drawn = sum(v for trace in severity.figure["data"] for v in trace["y"])
    assert drawn == sum(n for row in severity.rows for n in row[1:]) == 5
    deployments = figures.deployment_frequency(report)
    stacked = [sum(v) for v in zip(*(t["y"] for t in deployments.figure["data"]), strict=True)]
    assert sum(stacked) == sum(row[1] for row in deployments.rows) == 3


@pytest.mark.parametrize("key", list(figures.FIGURES))
def test_an_organization_without_incidents_or_deployments(world, key):
    chart = figures.FIGURES[key](_report(world))
    assert chart.empty
    go.Figure(chart.figure)


@pytest.mark.parametrize(
    "value,said",
    [(None, "—"), (0, "0 min"), (42.4, "42 min"), (59.6, "1 h"), (185, "3 h 5 min")]
    + [(24 * 60 * 2 + 4 * 60 + 10, "2 d 4 h")],
)
def test_durations_read_as_people_say_them(value, said):
    from governance.web.formats import duration

    assert duration(value) == said
