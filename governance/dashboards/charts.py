"""Pure functions from query results to Plotly figure specs, with the table that shows the same.

Figures are plain dicts in Plotly's JSON schema, not `plotly.graph_objects.Figure`: building
and serializing a Figure costs milliseconds each, a dict costs microseconds (bench/dashboards.py
measures both). tests/dashboards/test_dashboards_charts.py validates every spec against
Plotly's schema.
Colours: the Okabe-Ito palette, distinguishable with every common colour-vision deficiency,
and every trace also differs by marker or dash, so colour is never the only cue.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from numbers import Number
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

OKABE_ITO = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
]


BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, BLACK, YELLOW = OKABE_ITO


MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down"]


DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash"]

# Sequential scale for counts: white to Okabe-Ito blue (monotonic in lightness).
SEQUENTIAL = [[0.0, "#FFFFFF"], [1.0, BLUE]]


@dataclass
class Chart:
    """A figure and the table of the numbers it draws (shown beside it and sent as CSV)."""

    key: str
    title: str
    description: str
    figure: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows

    # Rendered once per chart: an organization's charts are kept as roll-ups
    # (governance/rollups.py), and a Jinja loop over thousands of cells cost tens of ms.
    @cached_property
    def figure_json(self) -> Markup:
        """The figure as the page's JSON block (what Jinja's `tojson` gives)."""
        return htmlsafe_json_dumps(self.figure, dumps=figure_dumps)

    @cached_property
    def table_body(self) -> Markup:
        """The table's rows as HTML, every value escaped; numbers right-aligned."""
        # escape() and str.join, not Markup.format: the portfolio's tables hold thousands of
        # cells, and Markup.format costs ten times as much per cell.
        rows = []
        for row in self.rows:
            cells = [f'<th scope="row">{escape(cell(row[0]))}</th>'] if row else []
            cells += [
                f'<td class="num">{escape(cell(v))}</td>'
                if isinstance(v, Number)
                else f"<td>{escape(cell(v))}</td>"
                for v in row[1:]
            ]
            rows.append(f"<tr>{''.join(cells)}</tr>")
        return Markup("\n".join(rows))  # noqa: S704 (every value above went through escape())

    def csv(self) -> str:
        out = io.StringIO()
        # RFC 4180 line ends: a CR or LF inside a cell is then quoted, never a row break.
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([csv_cell(_json(v)) for v in row])
        return out.getvalue()

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "figure": self.figure,
            "table": {"columns": self.columns, "rows": [[_json(v) for v in r] for r in self.rows]},
        }


def figure_dumps(figure: Any, **kwargs: Any) -> str:
    """A figure as JSON, byte for byte what Flask's `tojson` gives (sorted keys, ASCII): a
    figure holds only JSON values (dates are ISO strings already), so no app is needed."""
    return json.dumps(figure, sort_keys=True, **kwargs)


def cell(value: object) -> str:
    """A table cell as people read it: no 'None', dates as ISO, numbers without noise."""
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


# What makes a spreadsheet read a cell as a formula (CSV injection): =, +, - and @ start one;
# a leading tab or carriage return hides one from a glance and some programs strip it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell a spreadsheet shows as text: every CSV the tracker writes (these
    tables, the decision log) goes through here. Text that would start a formula gets a
    leading apostrophe; numbers stay numbers (-3 is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def layout(title: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 15}},
        "colorway": OKABE_ITO,
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 90},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        # At the bottom of the whole figure (container), not 20 % of the plot below it: a
        # fraction of the plot lands on the x axis title at some heights ("Initiatives by
        # current phase" had its title under the legend). Plotly pushes the margin to fit it.
        "legend": {
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        "height": 400,
    }
    base.update(extra)
    return base


def count_step(largest: float) -> int:
    """A whole-number tick step that gives at most about six ticks up to `largest`."""
    step = 1
    while largest / step > 6:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if largest / step <= 6:
                break
    return step


def count_ticks(largest: float) -> dict[str, Any]:
    """Ticks for counts (an axis or a colour bar): whole numbers only, never 0.5 risks."""
    return {"tick0": 0, "dtick": count_step(largest), "tickformat": ",d"}


def count_axis(largest: float) -> dict[str, Any]:
    return {**count_ticks(largest), "rangemode": "tozero"}


def radar(
    title: str, dimensions: list[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> dict[str, Any]:
    styles = [(BLUE, "solid", "circle"), (ORANGE, "dash", "square"), (GREEN, "dot", "diamond")]
    data = []
    for (name, values), (colour, dash, marker) in zip(series, styles, strict=False):
        data.append(
            {
                "type": "scatterpolar",
                "name": name,
                "r": [*values, values[0]] if values else [],
                "theta": [*dimensions, dimensions[0]] if dimensions else [],
                "mode": "lines+markers",
                "line": {"color": colour, "dash": dash, "width": 2},
                "marker": {"symbol": marker, "size": 7},
                "connectgaps": True,
            }
        )
    return {
        "data": data,
        "layout": layout(
            title,
            polar={"radialaxis": {"range": [0, 5], "tickvals": [1, 2, 3, 4, 5]}},
            margin={"l": 70, "r": 70, "t": 60, "b": 40},
            legend={"orientation": "h", "y": -0.08},
            height=420,
        ),
    }


def lines(
    title: str,
    x: list[Any],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    y_title: str = "",
    y_range: list[float] | None = None,
    x_title: str = "",
    counts: bool = False,
) -> dict[str, Any]:
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": [_json(v) for v in x],
            "y": values,
            "line": {"color": OKABE_ITO[i % 8], "dash": DASHES[i % 8], "width": 2},
            "marker": {"symbol": MARKERS[i % 8], "size": 6},
        }
        for i, (name, values) in enumerate(series)
    ]
    yaxis: dict[str, Any] = {"title": {"text": y_title}, "gridcolor": "#e5e8ec"}
    if y_range:
        yaxis["range"] = y_range
    if counts:
        yaxis.update(count_axis(max((v or 0 for _, vs in series for v in vs), default=0)))
    return {
        "data": data,
        "layout": layout(title, yaxis=yaxis, xaxis={"title": {"text": x_title}}),
    }


def heatmap(
    title: str,
    x: list[str],
    y: list[str],
    z: list[list[float | None]],
    *,
    text: list[list[str]] | None = None,
    colorscale: Any = None,
    zmin: float | None = None,
    zmax: float | None = None,
    colorbar: dict[str, Any] | None = None,
    showscale: bool = True,
    height: int | None = None,
) -> dict[str, Any]:
    trace: dict[str, Any] = {
        "type": "heatmap",
        "x": x,
        "y": y,
        "z": z,
        "colorscale": colorscale or SEQUENTIAL,
        "xgap": 2,
        "ygap": 2,
        "showscale": showscale,
        "hoverongaps": False,
    }
    if text is not None:
        trace["text"] = text
        trace["texttemplate"] = "%{text}"
        trace["hovertemplate"] = "%{y} · %{x}: %{text}<extra></extra>"
    if zmin is not None:
        trace["zmin"] = zmin
    if zmax is not None:
        trace["zmax"] = zmax
    if colorbar:
        trace["colorbar"] = colorbar
    return {
        "data": [trace],
        "layout": layout(
            title,
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis={"automargin": True, "tickangle": -25},
            margin={"l": 20, "r": 20, "t": 50, "b": 30},
            height=height or max(300, 130 + 40 * len(y)),
        ),
    }


def bars(
    title: str,
    categories: list[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    axis_title: str = "",
    error: tuple[list[float], list[float]] | None = None,
    shapes: list[dict[str, Any]] | None = None,
    colours: list[str] | None = None,
    counts: bool = False,
) -> dict[str, Any]:
    data = []
    patterns = ["", "/", ".", "x", "\\", "+", "-", "|"]
    for i, (name, values) in enumerate(series):
        colour = (colours or OKABE_ITO)[i % 8]
        trace: dict[str, Any] = {
            "type": "bar",
            "name": name,
            "marker": {"color": colour, "pattern": {"shape": patterns[i % 8]}},
        }
        if horizontal:
            trace.update(x=values, y=categories, orientation="h")
        else:
            trace.update(x=categories, y=values)
        if error and i == 0:
            plus, minus = error
            key = "error_x" if horizontal else "error_y"
            trace[key] = {"type": "data", "array": plus, "arrayminus": minus, "color": BLACK}
        data.append(trace)
    value_axis: dict[str, Any] = {
        "title": {"text": axis_title},
        "gridcolor": "#e5e8ec",
        "zeroline": True,
        # The title then keeps its distance from the tick labels whatever the legend takes.
        "automargin": True,
    }
    if counts:
        value_axis.update(count_axis(_largest(series, stacked)))
    category_axis: dict[str, Any] = {"automargin": True}
    if horizontal:
        category_axis["autorange"] = "reversed"
    extra: dict[str, Any] = {
        "barmode": "stack" if stacked else "group",
        "xaxis": category_axis if not horizontal else value_axis,
        "yaxis": value_axis if not horizontal else category_axis,
    }
    if horizontal:
        extra["height"] = max(340, 170 + 26 * len(categories) * (1 if stacked else len(series)))
    if shapes:
        extra["shapes"] = shapes
    return {"data": data, "layout": layout(title, **extra)}


def _largest(series: Sequence[tuple[str, Sequence[float | None]]], stacked: bool) -> float:
    columns = [[v or 0 for v in values] for _, values in series]
    if not columns:
        return 0
    if stacked:
        return max((sum(c) for c in zip(*columns, strict=False)), default=0)
    return max((max(c, default=0) for c in columns), default=0)
