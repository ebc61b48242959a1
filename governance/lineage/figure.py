"""The lineage graph as a Plotly figure: a pure function of artifacts and edges.

Layered left to right by kind (data source, job, dataset, feature set, model, model version,
deployment, business outcome), so a reader follows data from source to outcome; where each
node, label and edge goes is governance/lineage/layout.py. All edges are one trace and each
kind one trace, so 200 nodes draw as nine traces. Names show beside markers up to
LABEL_LIMIT nodes; beyond, on hover only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from governance.enums import ArtifactKind, label
from governance.lineage import layout
from governance.lineage.models import LineageArtifact

LABEL_LIMIT = 120

# The font the label widths are estimated for (governance/lineage/layout.py), then fallbacks.
FONT = "DejaVu Sans, Verdana, system-ui, sans-serif"

# Okabe-Ito colours (safe for colour-blind readers) and a distinct symbol per kind.
STYLE: dict[ArtifactKind, tuple[str, str]] = {
    ArtifactKind.DATA_SOURCE: ("#000000", "square"),
    ArtifactKind.JOB: ("#999999", "diamond"),
    ArtifactKind.DATASET: ("#0072B2", "circle"),
    ArtifactKind.FEATURE_SET: ("#56B4E9", "hexagon"),
    ArtifactKind.MODEL: ("#D55E00", "star"),
    ArtifactKind.MODEL_VERSION: ("#E69F00", "triangle-up"),
    ArtifactKind.DEPLOYMENT: ("#009E73", "pentagon"),
    ArtifactKind.BUSINESS_OUTCOME: ("#CC79A7", "star-square"),
}


def _hover(artifact: LineageArtifact, initiative: str | None) -> str:
    lines = [f"<b>{artifact.name}</b>", f"{label(artifact.kind)} · {artifact.namespace}"]
    if artifact.version_tag:
        lines.append(f"Version {artifact.version_tag}")
    if artifact.owner:
        lines.append(f"Owner: {artifact.owner}")
    lines.append(f"Data: {label(artifact.data_classification)}")
    if initiative:
        lines.append(f"Initiative: {initiative}")
    return "<br>".join(lines)


def lineage_figure(
    artifacts: Iterable[LineageArtifact],
    edges: Iterable[tuple[int, int]],
    url_for_artifact: Callable[[LineageArtifact], str],
    initiative_names: dict[int, str] | None = None,
    focus_id: int | None = None,
    title: str = "",
) -> go.Figure:
    artifacts = list(artifacts)
    names = initiative_names or {}
    with_labels = len(artifacts) <= LABEL_LIMIT
    placed = layout.layout(
        [layout.Node(a.id, a.kind, a.name) for a in artifacts], edges, labels=with_labels
    )
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for points in placed.edges:
        edge_x += [x for x, _ in points] + [None]
        edge_y += [y for _, y in points] + [None]
    traces: list[Any] = [
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            line={"width": 1, "color": "#9aa4b2"},
            hoverinfo="skip",
            showlegend=False,
            name="edges",
        )
    ]
    for kind, _ in placed.columns:
        members = [a for a in artifacts if a.kind == kind]
        colour, symbol = STYLE[kind]
        traces.append(
            go.Scatter(
                x=[placed.positions[a.id][0] for a in members],
                y=[placed.positions[a.id][1] for a in members],
                mode="markers+text" if with_labels else "markers",
                name=label(kind),
                text=["<br>".join(placed.labels[a.id]) for a in members],
                textposition="middle right",
                textfont={"size": layout.FONT_SIZE, "family": FONT},
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": [14 if a.id == focus_id else 11 for a in members],
                    "line": {"width": [3 if a.id == focus_id else 1 for a in members]},
                },
                customdata=[url_for_artifact(a) for a in members],
                hovertext=[_hover(a, names.get(a.initiative_id or 0)) for a in members],
                hoverinfo="text",
                showlegend=False,
            )
        )
    figure = go.Figure(traces)
    # Drawn at the layout's size, axes in pixels: the labels fit as computed. A page wider than
    # the graph leaves room on the right; a narrower one (a phone) scrolls the graph sideways in
    # its own region. The column titles name each column's kind (no legend to cover them).
    figure.update_layout(
        title={"text": title} if title else None,
        autosize=False,
        width=round(placed.width),
        height=round(placed.height),
        margin={"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        hovermode="closest",
        showlegend=False,
        font={"family": FONT},
        xaxis={"visible": False, "range": [0, placed.width], "fixedrange": True},
        yaxis={"visible": False, "range": [placed.height, 0], "fixedrange": True},
        annotations=[
            {
                "x": x,
                "y": layout.HEADER / 2,
                "xref": "x",
                "yref": "y",
                "xanchor": "left",
                "text": f"<b>{label(kind)}</b>",
                "showarrow": False,
                "font": {"size": 12, "color": "#444c56"},
            }
            for kind, x in placed.columns
        ],
    )
    return figure


def figure_json(figure: go.Figure) -> str:
    """JSON safe to place inside <script type="application/json">."""
    # Not `responsive`: plotly.js would re-fit the graph to its box on every window resize,
    # undoing the pixel size the layout was computed for (the box scrolls instead).
    spec = {**figure.to_plotly_json(), "config": {"responsive": False}}
    text = json.dumps(spec, cls=PlotlyJSONEncoder)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
