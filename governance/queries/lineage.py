"""What the lineage pages show. A fixed number of queries per page, whatever the graph size."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from governance.enums import ArtifactKind
from governance.extensions import db
from governance.models import (
    Initiative,
    LineageArtifact,
    LineageEdge,
    LineageFacets,
    LineageRun,
    LineageRunDataset,
    Organization,
    RollbackPlan,
)
from governance.queries.lineage_graph import Subgraph, downstream, upstream

GRAPH_LIMIT = 500  # beyond, the page asks for a filter rather than draw a hairball


@dataclass
class OrgGraph:
    artifacts: list[LineageArtifact]
    edges: list[tuple[int, int]]
    total: int
    counts: dict[ArtifactKind, int]


def initiatives_of(org: Organization) -> list[Initiative]:
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.organization_id == org.id)
            .order_by(Initiative.name)
        )
    )


def artifacts_of(org: Organization, *kinds: ArtifactKind) -> list[LineageArtifact]:
    query = sa.select(LineageArtifact).where(LineageArtifact.organization_id == org.id)
    if kinds:
        query = query.where(LineageArtifact.kind.in_(kinds))
    return list(
        db.session.scalars(
            query.order_by(LineageArtifact.kind, LineageArtifact.namespace, LineageArtifact.name)
        )
    )


def org_graph(org: Organization, initiative_id: int | None = None) -> OrgGraph:
    where = [LineageArtifact.organization_id == org.id]
    if initiative_id is not None:
        where.append(LineageArtifact.initiative_id == initiative_id)
    counts = {
        ArtifactKind(kind): n
        for kind, n in db.session.execute(
            sa.select(LineageArtifact.kind, sa.func.count())
            .where(*where)
            .group_by(LineageArtifact.kind)
        )
    }
    artifacts = list(
        db.session.scalars(
            sa.select(LineageArtifact)
            .where(*where)
            .order_by(LineageArtifact.kind, LineageArtifact.name)
            .limit(GRAPH_LIMIT)
        )
    )
    chosen = sa.select(LineageArtifact.id).where(*where)
    edges = [
        (int(s), int(t))
        for s, t in db.session.execute(
            sa.select(LineageEdge.source_id, LineageEdge.target_id)
            .where(
                LineageEdge.organization_id == org.id,
                LineageEdge.source_id.in_(chosen),
                LineageEdge.target_id.in_(chosen),
            )
            .distinct()
        )
    ]
    return OrgGraph(artifacts, edges, sum(counts.values()), counts)


@dataclass
class ArtifactPage:
    upstream: Subgraph
    downstream: Subgraph
    incoming: list[LineageEdge]
    outgoing: list[LineageEdge]
    versions: list[LineageArtifact] = field(default_factory=list)
    seen_versions: list[tuple[str, int]] = field(default_factory=list)
    runs: list[LineageRun] = field(default_factory=list)
    plan: RollbackPlan | None = None
    facets: dict = field(default_factory=dict)


def artifact_page(artifact: LineageArtifact, depth: int = 20, run_limit: int = 20) -> ArtifactPage:
    direct = list(
        db.session.scalars(
            sa.select(LineageEdge)
            .where(
                sa.or_(LineageEdge.source_id == artifact.id, LineageEdge.target_id == artifact.id)
            )
            .options(joinedload(LineageEdge.source), joinedload(LineageEdge.target))
            .order_by(LineageEdge.kind, LineageEdge.id)
        )
    )
    page = ArtifactPage(
        upstream(artifact, depth),
        downstream(artifact, depth),
        [e for e in direct if e.target_id == artifact.id],
        [e for e in direct if e.source_id == artifact.id],
    )
    page.versions = list(
        db.session.scalars(
            sa.select(LineageArtifact)
            .where(LineageArtifact.parent_id == artifact.id)
            .order_by(LineageArtifact.created_at.desc(), LineageArtifact.id.desc())
        )
    )
    page.seen_versions = [
        (version, int(n))
        for version, n in db.session.execute(
            sa.select(LineageRunDataset.version, sa.func.count())
            .where(LineageRunDataset.artifact_id == artifact.id, LineageRunDataset.version != "")
            .group_by(LineageRunDataset.version)
            .order_by(sa.func.max(LineageRunDataset.id).desc())
            .limit(20)
        )
    ]
    runs = sa.select(LineageRun).options(joinedload(LineageRun.job))
    if artifact.kind == ArtifactKind.JOB:
        runs = runs.where(LineageRun.job_id == artifact.id)
    else:
        runs = runs.where(
            LineageRun.id.in_(
                sa.select(LineageRunDataset.run_id).where(
                    LineageRunDataset.artifact_id == artifact.id
                )
            )
        )
    page.runs = list(
        db.session.scalars(runs.order_by(LineageRun.last_event_at.desc()).limit(run_limit))
    )
    page.plan = db.session.scalar(
        sa.select(RollbackPlan)
        .where(RollbackPlan.deployment_id == artifact.id)
        .options(joinedload(RollbackPlan.target_version))
    )
    page.facets = (
        db.session.scalar(
            sa.select(LineageFacets.facets).where(LineageFacets.artifact_id == artifact.id)
        )
        or {}
    )
    return page
