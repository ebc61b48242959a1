"""Storing OpenLineage events: the raw event, then artifacts, edges, runs and facets.

Idempotent: an event is recognised by the hash of its canonical JSON, and one already stored
changes nothing. The raw insert is `INSERT ... ON CONFLICT DO NOTHING`, so two workers
receiving the same event at once cannot both apply it. Whatever an event creates that another
request may create at the same moment (an artifact, an edge, a run) is created inside a
savepoint and looked up again if the other request won. Order does not matter either: a run's
state is decided by the event times, not by the order the events arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from governance.enums import ArtifactKind, ArtifactOrigin, EdgeKind, RunState
from governance.extensions import db
from governance.lineage.models import (
    DATASET_NODE,
    JOB_NODE,
    LineageArtifact,
    LineageEdge,
    LineageEvent,
    LineageFacets,
    LineageRun,
    LineageRunDataset,
)
from governance.lineage.openlineage import TERMINAL, DatasetRef, JobRef, ParsedEvent
from governance.monitoring.quality import record_quality
from governance.portfolio.models import Organization

T = TypeVar("T")


Key = tuple[str, str, str]  # node type, namespace, name


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0


def ingest(org: Organization, events: list[ParsedEvent], user_id: int | None) -> IngestResult:
    """Store checked events (see governance.lineage.openlineage). Flushes, never commits."""
    result = IngestResult(received=len(events))
    for event in events:
        event_id = _store_raw(org, event, user_id)
        if event_id is not None:
            artifacts = _apply(org, event)
            _quality(org, event, artifacts, event_id)
            result.stored += 1
        else:
            result.duplicates += 1
    db.session.flush()
    return result


def _quality(
    org: Organization, event: ParsedEvent, artifacts: dict[Key, LineageArtifact], event_id: int
) -> None:
    """Data-quality facets become observations of their datasets (governance.monitoring)."""
    refs = [*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])]
    datasets = [
        (artifacts[(DATASET_NODE, r.namespace, r.name)].id, [r.facets, r.io_facets])
        for r in refs
        if r.facets or r.io_facets
    ]
    if datasets:
        record_quality(org, datasets, event.event_time, event_id)


def _store_raw(org: Organization, event: ParsedEvent, user_id: int | None) -> int | None:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(LineageEvent.__table__)
        .values(
            organization_id=org.id,
            event_hash=event.event_hash,
            schema_kind=event.schema_kind,
            event_type=event.event_type.value if event.event_type else None,
            event_time=event.event_time,
            run_uuid=event.run_uuid,
            raw=event.raw,
            received_by_id=user_id,
        )
        .on_conflict_do_nothing(index_elements=["organization_id", "event_hash"])
        .returning(LineageEvent.__table__.c.id)
    )
    # Core insert: UTCDateTime's bind processing still applies through the table's column type.
    # RETURNING answers a row only when the event was new (rowcount is not reliable here).
    return db.session.execute(statement).scalar_one_or_none()


def _apply(org: Organization, event: ParsedEvent) -> dict[Key, LineageArtifact]:
    refs: dict[Key, JobRef | DatasetRef] = {}
    if event.job:
        refs[(JOB_NODE, event.job.namespace, event.job.name)] = event.job
    for ref in [*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])]:
        refs.setdefault((DATASET_NODE, ref.namespace, ref.name), ref)
    artifacts = _artifacts(org, refs)
    _merge_facets(org, {artifacts[k].id: ref.facets for k, ref in refs.items()}, event.event_time)
    if event.job is None:
        return artifacts
    job = artifacts[(JOB_NODE, event.job.namespace, event.job.name)]
    pairs = {(artifacts[(DATASET_NODE, d.namespace, d.name)].id, job.id) for d in event.inputs}
    pairs |= {(job.id, artifacts[(DATASET_NODE, d.namespace, d.name)].id) for d in event.outputs}
    _edges(org, pairs)
    if event.run_uuid is not None:
        run = _run(org, job, event)
        _run_datasets(org, run, event, artifacts)
    return artifacts


def _owner(facets: dict[str, Any]) -> str:
    owners = (facets.get("ownership") or {}).get("owners") or []
    first = owners[0] if owners and isinstance(owners[0], dict) else {}
    return str(first.get("name") or "")[:160]


def _description(facets: dict[str, Any]) -> str:
    return str((facets.get("documentation") or {}).get("description") or "")


def _find(org: Organization, keys: list[Key]) -> dict[Key, LineageArtifact]:
    if not keys:
        return {}
    match = sa.or_(
        *(
            sa.and_(
                LineageArtifact.node_type == node,
                LineageArtifact.namespace == namespace,
                LineageArtifact.name == name,
            )
            for node, namespace, name in keys
        )
    )
    found = db.session.scalars(
        sa.select(LineageArtifact).where(LineageArtifact.organization_id == org.id, match)
    )
    return {(a.node_type, a.namespace, a.name): a for a in found}


def _artifacts(
    org: Organization, refs: dict[Key, JobRef | DatasetRef]
) -> dict[Key, LineageArtifact]:
    """The artifacts an event names, created when new (one query when none is new)."""
    found = _find(org, list(refs))
    missing = [key for key in refs if key not in found]
    job = next((a for k, a in found.items() if k[0] == JOB_NODE), None)
    for key in missing:
        node, namespace, name = key
        ref = refs[key]
        artifact = LineageArtifact(
            organization_id=org.id,
            kind=ArtifactKind.JOB if node == JOB_NODE else ArtifactKind.DATASET,
            node_type=node,
            namespace=namespace,
            name=name,
            owner=_owner(ref.facets),
            description=_description(ref.facets),
            origin=ArtifactOrigin.OPENLINEAGE,
            # What a job writes serves the job's initiative until someone says otherwise.
            initiative_id=job.initiative_id if job is not None else None,
        )
        created = _create(artifact)
        found[key] = created if created is not None else _find(org, [key])[key]
        if node == JOB_NODE:
            job = found[key]
    return found


def _create(obj: T) -> T | None:
    """Insert in a savepoint; None when a concurrent request inserted the same row first."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        return None
    return obj


def _merge(old: dict[str, Any], new: dict[str, Any], newer: bool) -> dict[str, Any]:
    # Facet by facet, the later event wins; an earlier one only fills in what is missing.
    return {**old, **new} if newer else {**new, **old}


def _merge_facets(org: Organization, facets: dict[int, dict[str, Any]], at: datetime) -> None:
    facets = {artifact_id: f for artifact_id, f in facets.items() if f}
    if not facets:
        return
    rows = {
        row.artifact_id: row
        for row in db.session.scalars(
            sa.select(LineageFacets)
            .where(LineageFacets.artifact_id.in_(list(facets)))
            .with_for_update()
        )
    }
    for artifact_id, new in facets.items():
        row = rows.get(artifact_id)
        if row is None:
            fresh = LineageFacets(
                artifact_id=artifact_id, organization_id=org.id, facets=new, observed_at=at
            )
            if _create(fresh) is not None:
                continue
            row = db.session.scalar(
                sa.select(LineageFacets)
                .where(LineageFacets.artifact_id == artifact_id)
                .with_for_update()
            )
            assert row is not None
        newer = at >= row.observed_at
        row.facets = _merge(dict(row.facets or {}), new, newer)
        row.observed_at = max(row.observed_at, at)


def _edges(org: Organization, pairs: set[tuple[int, int]]) -> None:
    if not pairs:
        return
    existing = set(
        tuple(row)
        for row in db.session.execute(
            sa.select(LineageEdge.source_id, LineageEdge.target_id).where(
                LineageEdge.kind == EdgeKind.FEEDS,
                sa.or_(
                    *(
                        sa.and_(LineageEdge.source_id == s, LineageEdge.target_id == t)
                        for s, t in pairs
                    )
                ),
            )
        ).all()
    )
    for source_id, target_id in sorted(pairs - existing):
        _create(
            LineageEdge(
                organization_id=org.id,
                source_id=source_id,
                target_id=target_id,
                kind=EdgeKind.FEEDS,
                origin=ArtifactOrigin.OPENLINEAGE,
            )
        )


def _run(org: Organization, job: LineageArtifact, event: ParsedEvent) -> LineageRun:
    def locked() -> LineageRun | None:
        return db.session.scalar(
            sa.select(LineageRun)
            .where(LineageRun.organization_id == org.id, LineageRun.run_uuid == event.run_uuid)
            .with_for_update()
        )

    at = event.event_time
    state = event.event_type or RunState.OTHER
    run = locked()
    if run is None:
        fresh = LineageRun(
            organization_id=org.id,
            job_id=job.id,
            run_uuid=event.run_uuid,
            state=state,
            state_at=at,
            started_at=at if state == RunState.START else None,
            ended_at=at if state in TERMINAL else None,
            last_event_at=at,
            facets=event.run_facets,
        )
        if _create(fresh) is not None:
            return fresh
        run = locked()
        assert run is not None
    if _outranks(state, at, run.state, run.state_at):
        run.state, run.state_at = state, at
        if state in TERMINAL:
            run.ended_at = at
    if state == RunState.START and (run.started_at is None or at < run.started_at):
        run.started_at = at
    newer = at >= run.last_event_at
    run.facets = _merge(dict(run.facets or {}), event.run_facets, newer)
    run.last_event_at = max(run.last_event_at, at)
    return run


def _outranks(state: RunState, at: datetime, current: RunState, current_at: datetime) -> bool:
    """Does this event decide the run's state over the one that did? OTHER never does."""
    if state == RunState.OTHER:
        return current == RunState.OTHER and at >= current_at
    if current == RunState.OTHER:
        return True
    return (state in TERMINAL, at) >= (current in TERMINAL, current_at)


def _run_datasets(
    org: Organization, run: LineageRun, event: ParsedEvent, artifacts: dict[Key, LineageArtifact]
) -> None:
    wanted: dict[tuple[int, str], str] = {}
    for direction, refs in (("input", event.inputs), ("output", event.outputs)):
        for ref in refs:
            wanted[(artifacts[(DATASET_NODE, ref.namespace, ref.name)].id, direction)] = ref.version
    if not wanted:
        return
    existing = {
        (row.artifact_id, row.direction): row
        for row in db.session.scalars(
            sa.select(LineageRunDataset).where(LineageRunDataset.run_id == run.id)
        )
    }
    for (artifact_id, direction), version in wanted.items():
        row = existing.get((artifact_id, direction))
        if row is None:
            _create(
                LineageRunDataset(
                    organization_id=org.id,
                    run_id=run.id,
                    artifact_id=artifact_id,
                    direction=direction,
                    version=version,
                )
            )
        elif version and not row.version:
            row.version = version
