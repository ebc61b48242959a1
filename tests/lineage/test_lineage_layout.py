"""The lineage graph's layout (governance/lineage/layout.py), pure Python: labels fit their
slots and never overlap or leave the drawing, edges never cross a label, on small and on
generated large graphs."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from governance.enums import ArtifactKind
from governance.lineage import layout as lay
from governance.lineage.layout import Node


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _crosses(segment, box, samples: int = 80) -> bool:
    (x0, y0), (x1, y1) = segment
    left, top, right, bottom = box
    for i in range(samples + 1):
        x, y = x0 + (x1 - x0) * i / samples, y0 + (y1 - y0) * i / samples
        if left + 1 < x < right - 1 and top + 1 < y < bottom - 1:
            return True
    return False


def _check(placed: lay.Layout) -> None:
    boxes = {n: placed.label_box(n) for n in placed.positions if placed.labels[n]}
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not _overlap(box_a, box_b), (placed.labels[a], placed.labels[b])
    for node, (left, top, right, bottom) in boxes.items():
        assert left >= 0 and right <= placed.width, placed.labels[node]
        assert top >= lay.HEADER and bottom <= placed.height, placed.labels[node]
        assert all(lay.text_width(line) <= lay.LABEL_WIDTH for line in placed.labels[node])
    for points in placed.edges:
        assert all(0 <= x <= placed.width and 0 <= y <= placed.height for x, y in points)
        for segment in itertools.pairwise(points):
            for node, box in boxes.items():
                assert not _crosses(segment, box), (points, placed.labels[node])


def _graph(count: int, seed: int) -> tuple[list[Node], list[tuple[int, int]]]:
    rng = random.Random(seed)
    kinds = list(ArtifactKind)
    words = ["parcel", "fraud", "Weekly", "MMMW", "curated/delivery_stops", "x", "étiquette"]
    nodes = [
        Node(i, kinds[i % len(kinds)], "-".join(rng.choices(words, k=rng.randint(1, 6))))
        for i in range(count)
    ]
    edges = {(rng.randrange(count), rng.randrange(count)) for _ in range(count * 2)}
    return nodes, [(s, t) for s, t in edges if s != t]


def test_a_short_name_stays_whole_and_a_long_one_wraps_then_ends_in_an_ellipsis():
    assert lay.wrap_label("fraud@1") == ["fraud@1"]
    lines = lay.wrap_label("curated/hub_volumes_hourly")
    assert len(lines) == 2 and "".join(lines) == "curated/hub_volumes_hourly"
    long = lay.wrap_label("a very long name " * 10)
    assert len(long) == 2 and long[-1].endswith("…")
    assert lay.wrap_label("W" * 80)[-1].endswith("…")
    assert all(lay.text_width(line) <= lay.LABEL_WIDTH for line in long)


def test_columns_follow_the_flow_and_only_kinds_present_take_one():
    nodes = [Node(1, ArtifactKind.DEPLOYMENT, "api"), Node(2, ArtifactKind.DATA_SOURCE, "scans")]
    placed = lay.layout(nodes, [(2, 1)])
    assert [k for k, _ in placed.columns] == [ArtifactKind.DATA_SOURCE, ArtifactKind.DEPLOYMENT]
    assert placed.positions[2][0] < placed.positions[1][0]
    assert placed.positions[2][1] == placed.positions[1][1]  # both on the middle line
    # The edge leaves after the source's label and ends at the target's marker.
    first, last = placed.edges[0][0], placed.edges[0][-1]
    assert first[0] >= placed.label_box(2)[2] and last == placed.positions[1]
    _check(placed)


def test_edges_to_the_left_or_within_a_column_run_between_rows():
    nodes = [Node(i, ArtifactKind.DATASET, f"table_{i}") for i in range(4)]
    nodes.append(Node(9, ArtifactKind.JOB, "build"))
    placed = lay.layout(nodes, [(0, 3), (2, 9), (9, 1)])
    assert len(placed.edges) == 3
    _check(placed)


def test_forty_artifacts_across_the_kinds_lay_out_without_collisions():
    for seed in range(5):
        _check(lay.layout(*_graph(40, seed)))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(0, 10_000))
def test_any_graph_lays_out_without_collisions(count, seed):
    _check(lay.layout(*_graph(count, seed)))


def test_without_labels_there_are_no_boxes_and_edges_start_at_the_marker():
    nodes, edges = _graph(10, 1)
    placed = lay.layout(nodes, edges, labels=False)
    assert all(lines == [] for lines in placed.labels.values())
