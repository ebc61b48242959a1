"""Graph walks: bounded, safe on cycles, each artifact once at its shortest distance; and the
evaluated lineage rules."""

from __future__ import annotations

import itertools
from collections import deque

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.enums import ArtifactKind, EdgeKind, Environment
from governance.extensions import db as _db
from governance.gates.rules import evaluate
from governance.lineage import operations as ops
from governance.lineage.graph import Direction, reach_depths, subgraph
from governance.lineage.models import LineageArtifact, LineageEdge
from governance.permissions import Action, someone_who_may
from governance.portfolio import operations as portfolio

_orgs = itertools.count(1)

graphs = st.integers(min_value=1, max_value=14).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]),
            max_size=40,
            unique=True,
        ),
        st.integers(0, n - 1),
        st.integers(0, 8),
        st.sampled_from(list(Direction)),
    )
)


def _expected(n, edges, start, depth, direction):
    """Breadth-first reference: node -> shortest distance, within `depth`."""
    neighbours = {i: set() for i in range(n)}
    for s, t in edges:
        if direction in (Direction.DOWNSTREAM, Direction.BOTH):
            neighbours[s].add(t)
        if direction in (Direction.UPSTREAM, Direction.BOTH):
            neighbours[t].add(s)
    seen, queue = {start: 0}, deque([start])
    while queue:
        node = queue.popleft()
        if seen[node] == depth:
            continue
        for nxt in neighbours[node]:
            if nxt not in seen:
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
    return seen


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=graphs)
def test_walks_on_random_graphs_with_cycles_end_and_count_each_node_once(app, case):
    n, edges, start, depth, direction = case
    org = portfolio.create_organization(f"graph-{next(_orgs)}", "Graph")
    nodes = [
        LineageArtifact(
            organization_id=org.id,
            kind=ArtifactKind.DATASET,
            node_type="dataset",
            namespace="g",
            name=f"n{i}",
        )
        for i in range(n)
    ]
    _db.session.add_all(nodes)
    _db.session.flush()
    _db.session.add_all(
        LineageEdge(
            organization_id=org.id,
            source_id=nodes[s].id,
            target_id=nodes[t].id,
            kind=EdgeKind.FEEDS,
        )
        for s, t in edges
    )
    _db.session.flush()
    got = reach_depths(org.id, [nodes[start].id], direction, depth)
    index = {node.id: i for i, node in enumerate(nodes)}
    assert {index[k]: v for k, v in got.items()} == _expected(n, edges, start, depth, direction)
    graph = subgraph(org.id, [nodes[start].id], direction, depth)
    ids = [r.artifact.id for r in graph.nodes]
    assert len(ids) == len(set(ids)) == len(got)  # no artifact counted twice
    assert len({e.id for e in graph.edges}) == len(graph.edges)
    _db.session.rollback()


def test_a_long_cycle_is_bounded_by_depth(world, db):
    org = world["org"]
    ring = [
        ops.register_artifact(
            org,
            world["users"]["contributor"],
            ArtifactKind.DATASET,
            ops.ArtifactInput("ring", f"d{i}"),
        )
        for i in range(60)
    ]
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        ops.add_edge(a, b, EdgeKind.DERIVED_FROM, world["users"]["contributor"])
    depths = reach_depths(org.id, [ring[0].id], Direction.DOWNSTREAM, 10)
    assert sorted(depths.values()) == list(range(11))
    everything = reach_depths(org.id, [ring[0].id], Direction.BOTH, 500)  # capped at 50
    assert len(everything) == 60 and max(everything.values()) == 30


def _make(org, initiative, kind, name, **extra):
    data = ops.ArtifactInput("t", name, initiative_id=initiative.id, **extra)
    return ops.register_artifact(org, someone_who_may(Action.CONTRIBUTE, org.id), kind, data)


def test_models_need_lineage_to_a_source(world, db):
    org, initiative = world["org"], world["initiative"]
    result = evaluate("models_have_lineage_to_source", initiative)
    assert not result.passed and "no model" in result.failures[0].reason
    model = _make(org, initiative, ArtifactKind.MODEL, "m")
    data = _make(org, initiative, ArtifactKind.DATASET, "d")
    ops.add_edge(data, model, EdgeKind.TRAINED_ON, world["users"]["contributor"])
    result = evaluate("models_have_lineage_to_source", initiative)
    assert [f.record for f in result.failures] == ["Model m"]
    source = _make(org, initiative, ArtifactKind.DATA_SOURCE, "s")
    ops.add_edge(source, data, EdgeKind.DERIVED_FROM, world["users"]["contributor"])
    assert evaluate("models_have_lineage_to_source", initiative).passed


def test_each_model_is_traced_on_its_own_and_cycles_end(world, db):
    org, initiative = world["org"], world["initiative"]
    traced = _make(org, initiative, ArtifactKind.MODEL, "traced")
    looped = _make(org, initiative, ArtifactKind.MODEL, "looped")
    source = _make(org, initiative, ArtifactKind.DATA_SOURCE, "s")
    first = _make(org, initiative, ArtifactKind.DATASET, "d0")
    ops.add_edge(source, first, EdgeKind.DERIVED_FROM, world["users"]["contributor"])
    previous = first
    for n in range(1, 6):  # a chain of datasets: the source is six steps up
        dataset = _make(org, initiative, ArtifactKind.DATASET, f"d{n}")
        ops.add_edge(previous, dataset, EdgeKind.DERIVED_FROM, world["users"]["contributor"])
        previous = dataset
    ops.add_edge(previous, traced, EdgeKind.TRAINED_ON, world["users"]["contributor"])
    # A loop of its own, with no source anywhere upstream: reported, and the walk ends.
    other = _make(org, initiative, ArtifactKind.DATASET, "loop")
    ops.add_edge(other, looped, EdgeKind.TRAINED_ON, world["users"]["contributor"])
    ops.add_edge(looped, other, EdgeKind.FEEDS, world["users"]["contributor"])
    # While the traced model feeds the loop, the loop is traced through it; not without.
    ops.add_edge(traced, other, EdgeKind.FEEDS, world["users"]["contributor"])
    result = evaluate("models_have_lineage_to_source", initiative)
    assert [f.record for f in result.failures] == []
    ops.remove_edge(
        db.session.scalar(
            sa.select(LineageEdge).where(
                LineageEdge.source_id == traced.id, LineageEdge.target_id == other.id
            )
        ),
        world["users"]["contributor"],
    )
    result = evaluate("models_have_lineage_to_source", initiative)
    assert [f.record for f in result.failures] == ["Model looped"]


def test_production_versions_must_be_registered(world, db):
    org, initiative = world["org"], world["initiative"]
    nothing = evaluate("production_versions_registered", initiative)  # no version, no deployment
    assert not nothing.passed and nothing.summary == "Open: no model version is registered yet."
    deployment = _make(
        org, initiative, ArtifactKind.DEPLOYMENT, "api", environment=Environment.PRODUCTION
    )
    staging = _make(
        org, initiative, ArtifactKind.DEPLOYMENT, "api-staging", environment=Environment.STAGING
    )
    result = evaluate("production_versions_registered", initiative)
    assert [f.record for f in result.failures] == ["Deployment api"]
    version = _make(org, initiative, ArtifactKind.MODEL_VERSION, "m@1")
    ops.add_edge(version, deployment, EdgeKind.DEPLOYED_AS, world["users"]["contributor"])
    ops.add_edge(version, staging, EdgeKind.DEPLOYED_AS, world["users"]["contributor"])
    result = evaluate("production_versions_registered", initiative)
    assert "a version number, an owner, its model" in result.failures[0].reason
    model = _make(org, initiative, ArtifactKind.MODEL, "m")
    ops.update_artifact(
        version,
        world["users"]["contributor"],
        None,
        ops.ArtifactInput("t", "m@1", "1", "Ann", parent_id=model.id, initiative_id=initiative.id),
    )
    assert evaluate("production_versions_registered", initiative).passed
    assert db.session.scalar(sa.select(sa.func.count(LineageEdge.id))) == 2
