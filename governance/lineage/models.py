"""Lineage: artifacts from data source to business outcome, the edges between them, rollback
plans on deployments, and the OpenLineage runs and raw events they were learnt from."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.database import Timestamps, UTCDateTime, Versioned, enum_type, utcnow
from governance.enums import (
    ArtifactKind,
    ArtifactOrigin,
    DataClassification,
    EdgeKind,
    Environment,
    RunState,
)
from governance.extensions import db
from governance.portfolio.models import Initiative

# OpenLineage knows two kinds of node; a job is a job, every other artifact is a "dataset".
JOB_NODE = "job"


DATASET_NODE = "dataset"


def node_type_of(kind: ArtifactKind) -> str:
    return JOB_NODE if kind == ArtifactKind.JOB else DATASET_NODE


class LineageArtifact(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """A data source, dataset, feature set, model, model version, job, deployment or outcome.

    Identified within its organization by (node type, namespace, name), as OpenLineage does,
    so an event naming `dataset:<namespace>:<name>` lands on the artifact people registered.
    """

    __tablename__ = "lineage_artifact"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "node_type", "namespace", "name"),
        sa.Index("ix_lineage_artifact_org_kind", "organization_id", "kind"),
        sa.Index("ix_lineage_artifact_org_initiative", "organization_id", "initiative_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    initiative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="SET NULL")
    )
    kind: Mapped[ArtifactKind] = mapped_column(enum_type(ArtifactKind))
    node_type: Mapped[str] = mapped_column(sa.String(8))
    namespace: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(500))
    # The artifact's own version ("3", "2026-11-01", a commit); `version` is the row's lock.
    version_tag: Mapped[str] = mapped_column(sa.String(120), default="")
    owner: Mapped[str] = mapped_column(sa.String(160), default="")
    data_classification: Mapped[DataClassification] = mapped_column(
        enum_type(DataClassification), default=DataClassification.UNCLASSIFIED
    )
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Where a deployment serves (the rules look at production ones).
    environment: Mapped[Environment | None] = mapped_column(enum_type(Environment))
    # A model version's model.
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[ArtifactOrigin] = mapped_column(
        enum_type(ArtifactOrigin), default=ArtifactOrigin.REGISTERED
    )

    initiative: Mapped[Initiative | None] = relationship()
    parent: Mapped[LineageArtifact | None] = relationship(remote_side=[id])

    @property
    def node_id(self) -> str:
        """Marquez's id of this node: `dataset:<namespace>:<name>` or `job:<namespace>:<name>`."""
        return f"{self.node_type}:{self.namespace}:{self.name}"

    def __repr__(self) -> str:
        return f"<LineageArtifact {self.kind.value} {self.namespace}:{self.name}>"


# Edge kinds named from the downstream side: "the target is derived from / trained on /
# measured by the source" (governance/enums.py); "deployed as" and "feeds" read from the source.
READS_FROM_TARGET = frozenset({EdgeKind.DERIVED_FROM, EdgeKind.TRAINED_ON, EdgeKind.MEASURED_BY})


class LineageEdge(db.Model):  # type: ignore[name-defined]
    """A directed edge, always from upstream (source) to downstream (target)."""

    __tablename__ = "lineage_edge"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("source_id", "target_id", "kind"),
        sa.CheckConstraint("source_id <> target_id", name="not_a_loop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EdgeKind] = mapped_column(enum_type(EdgeKind))
    origin: Mapped[ArtifactOrigin] = mapped_column(
        enum_type(ArtifactOrigin), default=ArtifactOrigin.REGISTERED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[LineageArtifact] = relationship(foreign_keys=[source_id])
    target: Mapped[LineageArtifact] = relationship(foreign_keys=[target_id])

    def reading(self) -> tuple[LineageArtifact, str, LineageArtifact]:
        """The edge as a sentence (subject, relation, object). Some kinds are named from the
        downstream side ("the model was trained on the data"), so shown as source–kind–target
        they read backwards ("Training data · trained on · Model"); those start at the target."""
        relation = self.kind.value.replace("_", " ")
        if self.kind in READS_FROM_TARGET:
            return self.target, relation, self.source
        return self.source, relation, self.target


class RollbackPlan(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """How to take a deployment back to a known-good model version, and when that was tried."""

    __tablename__ = "rollback_plan"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE"), unique=True
    )
    target_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="SET NULL")
    )
    procedure: Mapped[str] = mapped_column(sa.Text, default="")
    owner: Mapped[str] = mapped_column(sa.String(160), default="")
    last_tested_on: Mapped[date | None] = mapped_column()
    # Minutes the last rehearsal took to restore service.
    restore_minutes: Mapped[int | None] = mapped_column()

    deployment: Mapped[LineageArtifact] = relationship(foreign_keys=[deployment_id])
    target_version: Mapped[LineageArtifact | None] = relationship(foreign_keys=[target_version_id])


class LineageFacets(db.Model):  # type: ignore[name-defined]
    """The latest OpenLineage facets seen for an artifact, unknown ones included.

    Kept apart from the artifact: they change with every run, and the raw events already
    record each change, so they stay out of the audit trail.
    """

    __tablename__ = "lineage_facets"

    artifact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    facets: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LineageRun(db.Model):  # type: ignore[name-defined]
    """One run of a job, as its OpenLineage events told it (state and times)."""

    __tablename__ = "lineage_run"
    __table_args__ = (sa.UniqueConstraint("organization_id", "run_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE"), index=True
    )
    run_uuid: Mapped[str] = mapped_column(sa.String(36))
    state: Mapped[RunState] = mapped_column(enum_type(RunState))
    # Time of the event that set `state`: a terminal event wins over any other, then the latest.
    state_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    facets: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    job: Mapped[LineageArtifact] = relationship()


class LineageRunDataset(db.Model):  # type: ignore[name-defined]
    """A dataset a run read or wrote, with the dataset version it saw."""

    __tablename__ = "lineage_run_dataset"
    __table_args__ = (sa.UniqueConstraint("run_id", "artifact_id", "direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("lineage_run.id", ondelete="CASCADE"))
    artifact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(sa.String(8))  # "input" or "output"
    version: Mapped[str] = mapped_column(sa.String(120), default="")


class LineageEvent(db.Model):  # type: ignore[name-defined]
    """An OpenLineage event exactly as it was received: append-only, deduplicated by hash."""

    __tablename__ = "lineage_event"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "event_hash"),
        sa.Index("ix_lineage_event_org_run", "organization_id", "run_uuid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    # SHA-256 of the event's canonical JSON: the same event sent again is recognised.
    event_hash: Mapped[str] = mapped_column(sa.String(64))
    schema_kind: Mapped[str] = mapped_column(sa.String(16))  # RunEvent, JobEvent, DatasetEvent
    event_type: Mapped[str | None] = mapped_column(sa.String(16))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    run_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    raw: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
