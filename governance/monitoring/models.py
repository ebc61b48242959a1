"""Monitors on deployments and the observations sent to them.

A monitor watches one metric of a deployment (a lineage artifact of kind deployment); it is
healthy while `value <comparator> threshold` holds ("AUC at least 0.85", "PSI at most 0.2"),
and breaching otherwise. Data-quality monitors may watch a dataset that feeds the deployment
(`dataset_id`): OpenLineage data-quality facets arrive about datasets, not deployments.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.database import Timestamps, UTCDateTime, Versioned, enum_type
from governance.enums import (
    COMPARATOR_SIGNS,
    Comparator,
    MonitorSignal,
    ObservationSource,
    Severity,
)
from governance.extensions import db
from governance.lineage.models import LineageArtifact
from governance.people.models import User


class Monitor(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "monitor"
    __audited__ = True
    __table_args__ = (
        # The key is what Alertmanager's `monitor` label names (docs: README, Operations).
        sa.UniqueConstraint("organization_id", "key"),
        sa.CheckConstraint("window_minutes > 0", name="window_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    # `active_history`: a monitor moved to another deployment re-evaluates the rules of the
    # initiative it leaves too (governance/gates/state.py).
    deployment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE"), index=True, active_history=True
    )
    # For data-quality monitors: the dataset whose OpenLineage facets feed this monitor.
    dataset_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="SET NULL"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str] = mapped_column(sa.String(200))
    signal: Mapped[MonitorSignal] = mapped_column(enum_type(MonitorSignal))
    metric: Mapped[str] = mapped_column(sa.String(120))
    comparator: Mapped[Comparator] = mapped_column(enum_type(Comparator))
    threshold: Mapped[float] = mapped_column(sa.Float)
    unit: Mapped[str] = mapped_column(sa.String(40), default="")
    window_minutes: Mapped[int] = mapped_column(default=60)
    severity: Mapped[Severity] = mapped_column(enum_type(Severity), default=Severity.SEV3)
    # A named member who is alerted; None fails the "alerts routed to a member" rule.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    deployment: Mapped[LineageArtifact] = relationship(foreign_keys=[deployment_id])
    dataset: Mapped[LineageArtifact | None] = relationship(foreign_keys=[dataset_id])
    owner: Mapped[User | None] = relationship()

    def is_healthy(self, value: float) -> bool:
        return comparator_holds(self.comparator, value, self.threshold)

    @property
    def condition(self) -> str:
        """The healthy condition in words: "auc ≥ 0.85"."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.metric} {COMPARATOR_SIGNS[self.comparator]} {self.threshold:g}{unit}"


def comparator_holds(comparator: Comparator, value: float, threshold: float) -> bool:
    if comparator == Comparator.AT_LEAST:
        return value >= threshold
    if comparator == Comparator.AT_MOST:
        return value <= threshold
    if comparator == Comparator.ABOVE:
        return value > threshold
    return value < threshold


class Observation(db.Model):  # type: ignore[name-defined]
    """One value of one metric at one time. Append-only telemetry, thousands a second: not in
    the audit trail (the monitor's changes are); `breached` is judged once, on arrival, against
    the monitor as it stood then."""

    __tablename__ = "observation"
    __table_args__ = (
        sa.Index("ix_observation_monitor_time", "monitor_id", "observed_at"),
        sa.Index("ix_observation_artifact_time", "artifact_id", "metric", "observed_at"),
        sa.Index("ix_observation_org_time", "organization_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    # What was observed: the deployment, or the dataset of a data-quality check.
    artifact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="CASCADE")
    )
    monitor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("monitor.id", ondelete="SET NULL"))
    metric: Mapped[str] = mapped_column(sa.String(120))
    value: Mapped[float] = mapped_column(sa.Float)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: no monitor judged it.
    breached: Mapped[bool | None] = mapped_column()
    source: Mapped[ObservationSource] = mapped_column(
        enum_type(ObservationSource), default=ObservationSource.API
    )
    # The OpenLineage event it came from, if any.
    lineage_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lineage_event.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
