"""Incidents on deployments and their timelines.

The times on the incident are the ones the figures are made of (incidents/metrics.py):
MTTD = detected − impact started, MTTA = acknowledged − detected, MTTR = resolved − detected.
Every step keeps who took it (None: the alerting system). The timeline (`IncidentEvent`) tells
the same story line by line, with the alerts, rollbacks, notes and decisions in between.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.database import Timestamps, UTCDateTime, Versioned, enum_type, utcnow
from governance.enums import (
    SERIOUS_REPORT_DAYS,
    IncidentEventKind,
    IncidentSource,
    IncidentStatus,
    SeriousIncidentKind,
    Severity,
)
from governance.extensions import db
from governance.lineage.models import LineageArtifact
from governance.people.models import User

if TYPE_CHECKING:
    from governance.decisions.models import Decision
    from governance.monitoring.models import Monitor
    from governance.portfolio.models import Initiative


class Incident(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "incident"
    __audited__ = True
    __table_args__ = (
        sa.Index("ix_incident_org_status", "organization_id", "status"),
        sa.Index("ix_incident_org_detected", "organization_id", "detected_at"),
        sa.Index("ix_incident_org_fingerprint", "organization_id", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    severity: Mapped[Severity] = mapped_column(enum_type(Severity))
    status: Mapped[IncidentStatus] = mapped_column(
        enum_type(IncidentStatus), default=IncidentStatus.OPEN
    )
    source: Mapped[IncidentSource] = mapped_column(enum_type(IncidentSource))
    # None when no label matched a deployment: the incident is still opened, to be triaged.
    # `active_history`: moving an incident loads the value it had, so the rules of the
    # initiative it leaves are evaluated again too (governance/gates/state.py).
    deployment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lineage_artifact.id", ondelete="SET NULL"), index=True, active_history=True
    )
    initiative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="SET NULL"), index=True, active_history=True
    )
    monitor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("monitor.id", ondelete="SET NULL"), index=True
    )
    # Alertmanager's fingerprint of the alert that opened it; a firing alert with the same
    # fingerprint attaches to the open incident instead of opening another.
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))

    impact_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mitigated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    # EU AI Act Article 73: a serious incident must be reported within a deadline counted from
    # when the provider became aware of it.
    serious_kind: Mapped[SeriousIncidentKind | None] = mapped_column(enum_type(SeriousIncidentKind))
    aware_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="SET NULL")
    )

    deployment: Mapped[LineageArtifact | None] = relationship()
    initiative: Mapped[Initiative | None] = relationship()
    monitor: Mapped[Monitor | None] = relationship()
    detected_by: Mapped[User | None] = relationship(foreign_keys=[detected_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    mitigated_by: Mapped[User | None] = relationship(foreign_keys=[mitigated_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    report_decision: Mapped[Decision | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED

    @property
    def is_serious(self) -> bool:
        return self.serious_kind is not None

    @property
    def report_due_at(self) -> datetime | None:
        if self.serious_kind is None:
            return None
        return (self.aware_at or self.detected_at) + timedelta(
            days=SERIOUS_REPORT_DAYS[self.serious_kind]
        )

    def reported_in_time(self) -> bool | None:
        """True or False once reported; None while the report is still to be made."""
        due = self.report_due_at
        if due is None or self.reported_at is None:
            return None
        return self.reported_at <= due

    def report_overdue(self, now: datetime | None = None) -> bool:
        due = self.report_due_at
        return due is not None and self.reported_at is None and (now or utcnow()) > due

    @property
    def report_due_on(self) -> date | None:
        due = self.report_due_at
        return due.date() if due else None


class IncidentEvent(db.Model):  # type: ignore[name-defined]
    """A line of an incident's timeline. Append-only: the record of what happened when."""

    __tablename__ = "incident_event"
    __table_args__ = (
        sa.Index("ix_incident_event_incident_at", "incident_id", "at"),
        # An Alertmanager notification sent again carries the same alert state: recognised by
        # this key, recorded once (replays change nothing).
        sa.UniqueConstraint("organization_id", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incident.id", ondelete="CASCADE"))
    kind: Mapped[IncidentEventKind] = mapped_column(enum_type(IncidentEventKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("decision.id", ondelete="SET NULL")
    )
    # A rollback's minutes to restore service.
    minutes: Mapped[int | None] = mapped_column()
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
    decision: Mapped[Decision | None] = relationship()
