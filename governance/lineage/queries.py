"""What the lineage pages show. A fixed number of queries per page, whatever the graph size."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from governance.enums import ArtifactKind
from governance.extensions import db
from governance.lineage.graph import Subgraph, downstream, upstream
from governance.lineage.models import (
    LineageArtifact,
    LineageEdge,
    LineageFacets,
    LineageRun,
    LineageRunDataset,
    RollbackPlan,
)
from governance.portfolio.models import Initiative, Organization

# The organization-wide figure draws at most this many artifacts: beyond ~150 nodes a layered
# graph is an unreadable hairball and the page grows past 100 KB. The most connected artifacts
# are drawn first (the shared datasets, models and jobs that carry the pipelines), so the
# overview shows the structure; the initiative filter shows any initiative's lineage whole.
GRAPH_LIMIT = 150


@dataclass
class OrgGraph:
    artifacts: list[LineageArtifact]  # the drawn ones, at most GRAPH_LIMIT
    edges: list[tuple[int, int]]  # between drawn artifacts only
    total: int  # every artifact matching the filter
    counts: dict[ArtifactKind, int]

    @property
    def capped(self) -> bool:
        return self.total > len(self.artifacts)


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


def _degrees(org: Organization) -> sa.Subquery:
    """Artifact id -> number of edges touching it, for the organization's edges."""
    ends = sa.union_all(
        sa.select(LineageEdge.source_id.label("node")).where(LineageEdge.organization_id == org.id),
        sa.select(LineageEdge.target_id.label("node")).where(LineageEdge.organization_id == org.id),
    ).subquery()
    return (
        sa.select(ends.c.node, sa.func.count().label("degree"))
        .group_by(ends.c.node)
        .subquery("degrees")
    )


def org_graph(
    org: Organization, initiative_id: int | None = None, limit: int | None = None
) -> OrgGraph:
    """The artifacts to draw (the `limit` most connected, then the most recent) and the edges
    between them: three queries whatever the organization's size."""
    limit = GRAPH_LIMIT if limit is None else limit
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
    degrees = _degrees(org)
    chosen = (
        sa.select(LineageArtifact.id)
        .outerjoin(degrees, degrees.c.node == LineageArtifact.id)
        .where(*where)
        .order_by(sa.func.coalesce(degrees.c.degree, 0).desc(), LineageArtifact.id.desc())
        .limit(limit)
    )
    artifacts = list(
        db.session.scalars(
            sa.select(LineageArtifact)
            .where(LineageArtifact.id.in_(chosen.scalar_subquery()))
            .order_by(LineageArtifact.kind, LineageArtifact.name, LineageArtifact.id)
        )
    )
    drawn = [a.id for a in artifacts]
    edges = [
        (int(s), int(t))
        for s, t in db.session.execute(
            sa.select(LineageEdge.source_id, LineageEdge.target_id)
            .where(
                LineageEdge.organization_id == org.id,
                LineageEdge.source_id.in_(drawn),
                LineageEdge.target_id.in_(drawn),
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
