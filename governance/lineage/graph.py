"""Walking the lineage graph: upstream ("what does this deployment depend on"), downstream
("what is affected if this dataset is bad"), or both ways (Marquez's "graph around a node").

One recursive SQL query answers a walk, on SQLite and PostgreSQL alike. It is bounded in depth
and safe on cycles: the recursion carries (node, depth) pairs and stops at `max_depth`, and
UNION (not UNION ALL) drops a pair already produced, so a cycle cannot make it run forever and
no path is counted twice. Each artifact is reported once, at its shortest distance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from governance.enums import ArtifactKind
from governance.extensions import db
from governance.lineage.models import LineageArtifact, LineageEdge

MAX_DEPTH = 50  # deeper than any real pipeline; keeps the worst case bounded


DEFAULT_DEPTH = 20  # Marquez's default


class Direction(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    BOTH = "both"


@dataclass
class Reached:
    artifact: LineageArtifact
    depth: int


@dataclass
class Subgraph:
    nodes: list[Reached]
    edges: list[LineageEdge]

    @property
    def ids(self) -> set[int]:
        return {r.artifact.id for r in self.nodes}


def _reach_cte(
    organization_id: int, start_ids: Iterable[int], direction: Direction, max_depth: int
) -> sa.CTE:
    # Literal columns keep both terms' types identical (PostgreSQL insists on it).
    start: Any = sa.select(
        LineageArtifact.id.label("node"), sa.literal_column("0").label("depth")
    ).where(
        LineageArtifact.organization_id == organization_id,
        LineageArtifact.id.in_(list(start_ids)),
    )
    reach = start.cte("reach", recursive=True)
    edge = LineageEdge.__table__
    if direction == Direction.DOWNSTREAM:
        following, joined = edge.c.target_id, edge.c.source_id == reach.c.node
    elif direction == Direction.UPSTREAM:
        following, joined = edge.c.source_id, edge.c.target_id == reach.c.node
    else:
        following = sa.case(
            (edge.c.source_id == reach.c.node, edge.c.target_id), else_=edge.c.source_id
        )
        joined = sa.or_(edge.c.source_id == reach.c.node, edge.c.target_id == reach.c.node)
    # No organization filter on the step: edges never cross organizations (the operations
    # refuse it), and such a filter lets SQLite drive the join from the organization index,
    # scanning every edge of the organization for each row of the walk.
    step = (
        sa.select(following, reach.c.depth + sa.literal_column("1"))
        .select_from(reach.join(edge, joined))
        .where(reach.c.depth < max_depth)
    )
    return reach.union(step)


def _bounded(max_depth: int) -> int:
    return max(0, min(int(max_depth), MAX_DEPTH))


def reach_depths(
    organization_id: int,
    start_ids: Iterable[int],
    direction: Direction,
    max_depth: int = DEFAULT_DEPTH,
) -> dict[int, int]:
    """Artifact id -> shortest distance from the start artifacts (which are at 0)."""
    reach = _reach_cte(organization_id, start_ids, direction, _bounded(max_depth))
    rows = db.session.execute(
        sa.select(reach.c.node, sa.func.min(reach.c.depth)).group_by(reach.c.node)
    )
    return {int(node): int(depth) for node, depth in rows}


def reaching_kind(organization_id: int, start_ids: Iterable[int], kind: ArtifactKind) -> set[int]:
    """The start artifacts with an artifact of `kind` anywhere upstream (or of that kind).

    One walk upstream that carries each row's start artifact, so the work grows with what lies
    upstream of the start artifacts, not with the organization's graph (walking downstream from
    every data source of a large client visits most of its lineage). The rows are (start,
    artifact) pairs without a depth: UNION keeps each pair once, so every artifact upstream is
    visited once per start artifact, however many paths lead to it, and a cycle ends the walk.
    """
    start_ids = list(start_ids)
    if not start_ids:
        return set()
    artifact = LineageArtifact.__table__
    edge = LineageEdge.__table__
    start: Any = sa.select(artifact.c.id.label("origin"), artifact.c.id.label("node")).where(
        artifact.c.organization_id == organization_id, artifact.c.id.in_(start_ids)
    )
    walk = start.cte("walk", recursive=True)
    step = sa.select(walk.c.origin, edge.c.source_id).select_from(
        walk.join(edge, edge.c.target_id == walk.c.node)
    )
    walk = walk.union(step)
    # IN, not a join: SQLite runs the join against the walk two orders of magnitude slower.
    of_kind = sa.select(artifact.c.id).where(
        artifact.c.organization_id == organization_id, artifact.c.kind == kind
    )
    found = db.session.scalars(sa.select(walk.c.origin).where(walk.c.node.in_(of_kind)).distinct())
    return {int(origin) for origin in found}


def subgraph(
    organization_id: int,
    start_ids: Iterable[int],
    direction: Direction,
    max_depth: int = DEFAULT_DEPTH,
) -> Subgraph:
    """The artifacts reached, with their distance, and the edges between them: two queries."""
    start_ids = list(start_ids)
    reach = _reach_cte(organization_id, start_ids, direction, _bounded(max_depth))
    depths = (
        sa.select(reach.c.node, sa.func.min(reach.c.depth).label("depth"))
        .group_by(reach.c.node)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(LineageArtifact, depths.c.depth)
        .join(depths, depths.c.node == LineageArtifact.id)
        .order_by(depths.c.depth, LineageArtifact.kind, LineageArtifact.name)
    ).all()
    nodes = [Reached(artifact, int(depth)) for artifact, depth in rows]
    ids = sa.select(depths.c.node)
    edges = list(
        db.session.scalars(
            sa.select(LineageEdge)
            .where(
                LineageEdge.organization_id == organization_id,
                LineageEdge.source_id.in_(ids),
                LineageEdge.target_id.in_(ids),
            )
            .order_by(LineageEdge.id)
        )
    )
    return Subgraph(nodes, edges)


def upstream(artifact: LineageArtifact, max_depth: int = DEFAULT_DEPTH) -> Subgraph:
    return subgraph(artifact.organization_id, [artifact.id], Direction.UPSTREAM, max_depth)


def downstream(artifact: LineageArtifact, max_depth: int = DEFAULT_DEPTH) -> Subgraph:
    return subgraph(artifact.organization_id, [artifact.id], Direction.DOWNSTREAM, max_depth)
