"""The lineage graph as a Plotly figure: a pure function of artifacts and edges.

Layered left to right by kind (data source, job, dataset, feature set, model, model version,
deployment, business outcome), so a reader follows data from source to outcome. Within a
layer, artifacts are ordered by the mean position of their upstream neighbours (one
barycentre sweep), which removes most crossings; all edges are one trace and each kind one
trace, so 200 nodes draw as nine traces. Names show beside markers up to LABEL_LIMIT nodes;
beyond, on hover only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import plotly.graph_objects as go

from governance.enums import ArtifactKind, label
from governance.lineage.models import LineageArtifact

LABEL_LIMIT = 120


ROW_HEIGHT = 26

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


COLUMNS = {kind: index for index, kind in enumerate(ArtifactKind)}


def _positions(
    artifacts: list[LineageArtifact], edges: list[tuple[int, int]]
) -> dict[int, tuple[float, float]]:
    upstream: dict[int, list[int]] = {}
    for source, target in edges:
        upstream.setdefault(target, []).append(source)
    rank: dict[int, float] = {}
    positions: dict[int, tuple[float, float]] = {}
    for kind in ArtifactKind:
        column = [a for a in artifacts if a.kind == kind]

        def key(a: LineageArtifact) -> tuple[float, str]:
            seen = [rank[u] for u in upstream.get(a.id, []) if u in rank]
            return (sum(seen) / len(seen) if seen else float("inf"), a.name.lower())

        column.sort(key=key)
        count = len(column)
        for index, artifact in enumerate(column):
            # Centre every column on the same middle line, top to bottom.
            y = (count - 1) / 2 - index
            rank[artifact.id] = index / max(count - 1, 1)
            positions[artifact.id] = (float(COLUMNS[kind]), float(y))
    return positions


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
    known = {a.id for a in artifacts}
    edges = [(s, t) for s, t in edges if s in known and t in known]
    positions = _positions(artifacts, edges)
    names = initiative_names or {}
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for source, target in edges:
        (x0, y0), (x1, y1) = positions[source], positions[target]
        edge_x += [x0, x1, None]
        edge_y += [y0, y1, None]
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
    with_labels = len(artifacts) <= LABEL_LIMIT
    for kind in ArtifactKind:
        members = [a for a in artifacts if a.kind == kind]
        if not members:
            continue
        colour, symbol = STYLE[kind]
        traces.append(
            go.Scatter(
                x=[positions[a.id][0] for a in members],
                y=[positions[a.id][1] for a in members],
                mode="markers+text" if with_labels else "markers",
                name=label(kind),
                text=[_short(a.name) for a in members],
                textposition="middle right",
                textfont={"size": 11},
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": [16 if a.id == focus_id else 11 for a in members],
                    "line": {"width": [3 if a.id == focus_id else 1 for a in members]},
                },
                customdata=[url_for_artifact(a) for a in members],
                hovertext=[_hover(a, names.get(a.initiative_id or 0)) for a in members],
                hoverinfo="text",
            )
        )
    rows = max((sum(1 for a in artifacts if a.kind == k) for k in ArtifactKind), default=1)
    figure = go.Figure(traces)
    figure.update_layout(
        title={"text": title} if title else None,
        height=min(max(360, rows * ROW_HEIGHT + 140), 5200),
        margin={"l": 20, "r": 20, "t": 70, "b": 20},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        hovermode="closest",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={
            "tickvals": list(COLUMNS.values()),
            "ticktext": [label(k) for k in COLUMNS],
            "side": "top",
            "range": [-0.5, len(COLUMNS) - 0.2],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": False,
        },
        yaxis={"visible": False, "showgrid": False, "zeroline": False},
    )
    return figure


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def figure_json(figure: go.Figure) -> str:
    """JSON safe to place inside <script type="application/json">."""
    text = figure.to_json()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
