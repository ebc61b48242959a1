"""The lineage graph in Marquez's shape: `{"graph": [{"id", "type", "data", "inEdges",
"outEdges"}]}`, node ids `dataset:<namespace>:<name>` and `job:<namespace>:<name>`.

Marquez knows jobs and datasets; every artifact that is not a job answers as a DATASET whose
`data.type` names its kind (MODEL, DEPLOYMENT, ...). Four queries, whatever the graph size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from governance.enums import RunState
from governance.errors import DomainError
from governance.extensions import db
from governance.lineage.graph import Direction, subgraph
from governance.lineage.models import (
    DATASET_NODE,
    JOB_NODE,
    LineageArtifact,
    LineageFacets,
    LineageRun,
)
from governance.portfolio.models import Organization

MARQUEZ_STATE = {
    RunState.START: "RUNNING",
    RunState.RUNNING: "RUNNING",
    RunState.COMPLETE: "COMPLETED",
    RunState.FAIL: "FAILED",
    RunState.ABORT: "ABORTED",
    RunState.OTHER: "NEW",
}


def find_node(org: Organization, node_id: str) -> LineageArtifact | None:
    """The artifact a Marquez node id names. Namespaces may hold colons
    (`postgres://db:5432`), so every split of `<namespace>:<name>` is tried in one query."""
    node_type, _, rest = node_id.partition(":")
    if node_type not in (DATASET_NODE, JOB_NODE) or ":" not in rest:
        raise DomainError(
            "nodeId: required, as dataset:<namespace>:<name> or job:<namespace>:<name>."
        )
    splits = [(rest[:i], rest[i + 1 :]) for i, ch in enumerate(rest) if ch == ":"]
    splits = [(ns, name) for ns, name in splits if ns and name]
    if not splits:
        raise DomainError("nodeId: both the namespace and the name are needed.")
    found = db.session.scalars(
        sa.select(LineageArtifact).where(
            LineageArtifact.organization_id == org.id,
            LineageArtifact.node_type == node_type,
            sa.or_(
                *(
                    sa.and_(LineageArtifact.namespace == ns, LineageArtifact.name == name)
                    for ns, name in splits
                )
            ),
        )
    ).all()
    # The longest namespace wins, as a URI namespace usually carries the colons.
    return max(found, key=lambda a: len(a.namespace), default=None)


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _fields(facets: dict[str, Any]) -> list[dict[str, Any]]:
    schema = facets.get("schema") or {}
    fields = schema.get("fields") if isinstance(schema, dict) else None
    return [
        {
            "name": f.get("name"),
            "type": f.get("type"),
            "tags": [],
            "description": f.get("description"),
        }
        for f in fields or []
        if isinstance(f, dict)
    ]


def marquez_graph(artifact: LineageArtifact, depth: int) -> list[dict[str, Any]]:
    graph = subgraph(artifact.organization_id, [artifact.id], Direction.BOTH, depth)
    ids = [r.artifact.id for r in graph.nodes]
    facets = {
        artifact_id: values
        for artifact_id, values in db.session.execute(
            sa.select(LineageFacets.artifact_id, LineageFacets.facets).where(
                LineageFacets.artifact_id.in_(ids)
            )
        )
    }
    latest = _latest_runs([r.artifact.id for r in graph.nodes if r.artifact.node_type == JOB_NODE])
    by_id = {r.artifact.id: r.artifact for r in graph.nodes}
    ins: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    outs: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    upstream: dict[int, list[LineageArtifact]] = {i: [] for i in ids}
    downstream: dict[int, list[LineageArtifact]] = {i: [] for i in ids}
    for edge in graph.edges:
        source, target = by_id[edge.source_id], by_id[edge.target_id]
        pair = {"origin": source.node_id, "destination": target.node_id}
        if pair not in outs[source.id]:  # two kinds of edge between a pair draw once
            outs[source.id].append(pair)
            ins[target.id].append(pair)
            downstream[source.id].append(target)
            upstream[target.id].append(source)
    nodes = []
    for reached in graph.nodes:
        a = reached.artifact
        own = facets.get(a.id) or {}
        if a.node_type == JOB_NODE:
            data = _job(a, own, upstream[a.id], downstream[a.id], latest.get(a.id))
        else:
            data = _dataset(a, own)
        nodes.append(
            {
                "id": a.node_id,
                "type": "JOB" if a.node_type == JOB_NODE else "DATASET",
                "data": data,
                "inEdges": ins[a.id],
                "outEdges": outs[a.id],
            }
        )
    return nodes


def _common(a: LineageArtifact, facets: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": {"namespace": a.namespace, "name": a.name},
        "name": a.name,
        "namespace": a.namespace,
        "createdAt": _time(a.created_at),
        "updatedAt": _time(a.updated_at),
        "description": a.description or None,
        "facets": facets,
        "currentVersion": a.version_tag or None,
        # The tracker's own fields, beside Marquez's.
        "kind": a.kind.value,
        "owner": a.owner or None,
        "dataClassification": a.data_classification.value,
        "initiativeId": a.initiative_id,
    }


def _dataset(a: LineageArtifact, facets: dict[str, Any]) -> dict[str, Any]:
    return {
        **_common(a, facets),
        "type": "DB_TABLE" if a.kind.value == "dataset" else a.kind.value.upper(),
        "physicalName": a.name,
        "sourceName": a.namespace,
        "fields": _fields(facets),
        "tags": [],
        "lastModifiedAt": None,
        "lastLifecycleState": None,
        "deleted": False,
    }


def _job(
    a: LineageArtifact,
    facets: dict[str, Any],
    inputs: list[LineageArtifact],
    outputs: list[LineageArtifact],
    run: LineageRun | None,
) -> dict[str, Any]:
    return {
        **_common(a, facets),
        "type": "BATCH",
        "simpleName": a.name,
        "inputs": [{"namespace": d.namespace, "name": d.name} for d in inputs],
        "outputs": [{"namespace": d.namespace, "name": d.name} for d in outputs],
        "location": None,
        "latestRun": _run(run) if run else None,
    }


def _run(run: LineageRun) -> dict[str, Any]:
    duration = None
    if run.started_at and run.ended_at:
        duration = int((run.ended_at - run.started_at).total_seconds() * 1000)
    return {
        "id": run.run_uuid,
        "state": MARQUEZ_STATE[run.state],
        "startedAt": _time(run.started_at),
        "endedAt": _time(run.ended_at),
        "durationMs": duration,
        "facets": run.facets or {},
    }


def _latest_runs(job_ids: list[int]) -> dict[int, LineageRun]:
    # Asked even without jobs: a page issues the same queries whatever the graph (issue 7).
    newest = (
        sa.select(LineageRun.job_id, sa.func.max(LineageRun.last_event_at).label("at"))
        .where(LineageRun.job_id.in_(job_ids))
        .group_by(LineageRun.job_id)
        .subquery()
    )
    runs = db.session.scalars(
        sa.select(LineageRun).join(
            newest,
            sa.and_(LineageRun.job_id == newest.c.job_id, LineageRun.last_event_at == newest.c.at),
        )
    )
    return {run.job_id: run for run in runs}
