"""Where the lineage graph's nodes, labels and edges go: pure Python, in pixels.

One column per kind present (data source … business outcome, the order data flows), one row
per artifact; the figure is drawn at exactly this size (Plotly axes in pixels), so what is
computed here is what the browser shows. Each label has a slot to the right of its marker,
LABEL_WIDTH wide and at most two lines: names are wrapped and shortened to fit it by an
estimate of their width in DejaVu Sans (the widest of the usual sans fonts), so no label
reaches the next column, and rows are far enough apart that two lines never touch the row
below. Edges never cross a label: they leave a node after its label, run diagonally only in
the gutters between columns, and cross a column only halfway between two rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from governance.enums import ArtifactKind

FONT_SIZE = 11
LABEL_WIDTH = 108  # px of a label line
LABEL_OFFSET = 9  # px from a marker's centre to its label's start
GUTTER = 34  # px between a column's label slot and the next column's marker
PITCH = LABEL_OFFSET + LABEL_WIDTH + GUTTER
ROW = 34  # px between rows: two 13 px lines and room for an edge between them
HEADER = 30  # px above the first row for the column titles
PAD = GUTTER // 2 + 4  # px right of the last column: room for edges going back from it
LEFT = GUTTER // 2 + 6  # px left of the first column: room for edges coming back to it
LINES = 2

# Advance widths of DejaVu Sans in ems; anything else counts as a wide letter.
_NARROW = dict.fromkeys("fijlrtI!|.,:;'`()[]{} /\\", 0.4)
_WIDE = dict.fromkeys("mwMW@%&", 1.0)
_CAPS = dict.fromkeys("ABCDEFGHJKLNOPQRSTUVXYZ", 0.78)
_DEFAULT = 0.64
_UNKNOWN = 1.0


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An upper estimate of `text`'s rendered width in px (DejaVu Sans at `size` px)."""
    ems = 0.0
    for char in text:
        if char in _NARROW:
            ems += _NARROW[char]
        elif char in _WIDE:
            ems += _WIDE[char]
        elif char in _CAPS:
            ems += _CAPS[char]
        elif char.isascii():
            ems += _DEFAULT
        else:
            ems += _UNKNOWN
    return ems * size


def _cut(text: str, width: float) -> str:
    """The longest start of `text` that fits `width` with an ellipsis."""
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_label(name: str, width: float = LABEL_WIDTH, lines: int = LINES) -> list[str]:
    """`name` on at most `lines` lines of at most `width` px, broken at spaces, separators
    or anywhere in a long word; what does not fit ends in an ellipsis."""
    out: list[str] = []
    rest = " ".join(name.split())
    while rest and len(out) < lines:
        if text_width(rest) <= width:
            out.append(rest)
            rest = ""
            break
        if len(out) == lines - 1:
            out.append(_cut(rest, width))
            rest = ""
            break
        # The longest start that fits, preferably ending at a space or separator.
        fit = len(rest)
        while fit > 1 and text_width(rest[:fit]) > width:
            fit -= 1
        breaks = [i + 1 for i, c in enumerate(rest[:fit]) if c in " -_./:·"]
        cut = breaks[-1] if breaks and breaks[-1] > fit // 3 else fit
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return out


@dataclass(frozen=True)
class Node:
    id: int
    kind: ArtifactKind
    name: str


@dataclass
class Layout:
    """Pixel positions (x right, y down from the top left of the plot area)."""

    width: float
    height: float
    columns: list[tuple[ArtifactKind, float]]  # kind and its markers' x
    positions: dict[int, tuple[float, float]]
    labels: dict[int, list[str]]
    edges: list[list[tuple[float, float]]] = field(default_factory=list)

    def label_box(self, node_id: int) -> tuple[float, float, float, float]:
        """The estimated box (left, top, right, bottom) of a node's label."""
        x, y = self.positions[node_id]
        lines = self.labels[node_id]
        wide = max((text_width(line) for line in lines), default=0.0)
        half = len(lines) * FONT_SIZE * 1.3 / 2
        return (x + LABEL_OFFSET, y - half, x + LABEL_OFFSET + wide, y + half)


def _order(
    nodes: list[Node], edges: list[tuple[int, int]], kinds: list[ArtifactKind]
) -> dict[ArtifactKind, list[Node]]:
    """Each column's nodes, ordered by the mean rank of their upstream neighbours (one
    barycentre sweep, which removes most crossings), then by name."""
    upstream: dict[int, list[int]] = {}
    for source, target in edges:
        upstream.setdefault(target, []).append(source)
    rank: dict[int, float] = {}
    columns: dict[ArtifactKind, list[Node]] = {}
    for kind in kinds:
        column = [n for n in nodes if n.kind == kind]

        def key(node: Node) -> tuple[float, str, int]:
            seen = [rank[u] for u in upstream.get(node.id, []) if u in rank]
            return (sum(seen) / len(seen) if seen else float("inf"), node.name.lower(), node.id)

        column.sort(key=key)
        for index, node in enumerate(column):
            rank[node.id] = index / max(len(column) - 1, 1)
        columns[kind] = column
    return columns


def layout(nodes: Iterable[Node], edges: Iterable[tuple[int, int]], labels: bool = True) -> Layout:
    nodes = list(nodes)
    known = {n.id for n in nodes}
    edges = [(s, t) for s, t in edges if s in known and t in known and s != t]
    kinds = [k for k in ArtifactKind if any(n.kind == k for n in nodes)]
    columns = _order(nodes, edges, kinds)
    rows = max((len(c) for c in columns.values()), default=1)
    xs = {kind: LEFT + index * PITCH for index, kind in enumerate(kinds)}
    positions: dict[int, tuple[float, float]] = {}
    for kind, column in columns.items():
        # Every column centred on the same middle line.
        first = (rows - len(column)) / 2
        for index, node in enumerate(column):
            positions[node.id] = (xs[kind], HEADER + ROW / 2 + (first + index) * ROW)
    width = (
        LEFT + (len(kinds) - 1) * PITCH + LABEL_OFFSET + LABEL_WIDTH + PAD if kinds else LEFT + PAD
    )
    # One spare row at the bottom: the lane of edges that find no gap on their way.
    height = HEADER + (rows + 1) * ROW
    wrapped = {n.id: wrap_label(n.name) if labels else [] for n in nodes}
    result = Layout(width, height, [(k, xs[k]) for k in kinds], positions, wrapped)
    ys = {kind: [positions[n.id][1] for n in column] for kind, column in columns.items()}
    column_of = {n.id: kinds.index(n.kind) for n in nodes}
    for source, target in edges:
        result.edges.append(_route(result, source, target, column_of, kinds, ys))
    return result


def _port(result: Layout, node_id: int) -> float:
    """Where an edge leaves a node: just after its label."""
    left, _, right, _ = result.label_box(node_id)
    x = result.positions[node_id][0]
    return max(right, x + 6) + 3 if result.labels[node_id] else x + 6


def _gap(y: float, columns: Sequence[list[float]], bottom: float) -> float:
    """The y nearest `y` that is halfway between two rows (or outside them) in every column
    given, so a line there crosses no label; else the spare lane at the bottom."""
    taken = [r for column in columns for r in column]
    candidates = [y] + [r + d * ROW / 2 for r in taken for d in (-1, 1)]
    for candidate in sorted(candidates, key=lambda c: (abs(c - y), c)):
        if all(abs(candidate - r) >= ROW / 2 - 0.5 for r in taken) and candidate < bottom:
            return candidate
    return bottom


def _route(
    result: Layout,
    source: int,
    target: int,
    column_of: dict[int, int],
    kinds: list[ArtifactKind],
    ys: dict[ArtifactKind, list[float]],
) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1) = result.positions[source], result.positions[target]
    c0, c1 = column_of[source], column_of[target]
    bottom = result.height - ROW / 2
    gutter_out = x0 + LABEL_OFFSET + LABEL_WIDTH + 4  # where the source column's slots end
    points = [(_port(result, source), y0), (gutter_out, y0)]
    if c1 == c0 + 1:
        points.append((x1 - 7, y1))
    elif c1 > c0 + 1:
        # Cross each column between halfway between two of its rows, near the straight line.
        for c in range(c0 + 1, c1):
            x = result.columns[c][1]
            share = (x - x0) / (x1 - x0)
            y = _gap(y0 + (y1 - y0) * share, [ys[kinds[c]]], bottom)
            points += [(x - 12, y), (x + LABEL_OFFSET + LABEL_WIDTH + 4, y)]
        points.append((x1 - 7, y1))
    else:
        # Upstream or within a column: back along one lane free in every column passed.
        lo = c1
        passed = [ys[kinds[c]] for c in range(lo, c0 + 1)]
        y = _gap((y0 + y1) / 2, passed, bottom)
        points += [(gutter_out + GUTTER / 3, y), (x1 - GUTTER / 2, y), (x1 - 7, y1)]
    points.append((x1, y1))
    return points
