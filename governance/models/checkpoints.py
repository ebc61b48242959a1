"""Governance gates: stage gates (pilot -> scale -> production) and the checkpoints that review
a phase's completion or a stage promotion."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.enums import CheckpointKind, CheckpointStatus, Stage, StageGateStatus
from governance.extensions import db
from governance.models.base import Timestamps, UTCDateTime, Versioned, enum_type, utcnow
from governance.models.people import Organization, User
from governance.models.phases import ExitCriterion, Phase
from governance.models.portfolio import Initiative


def _stage_type(name: str) -> sa.Enum:
    """Two stage columns in one table need differently named CHECK constraints."""
    column_type = enum_type(Stage)
    column_type.name = name
    return column_type


class StageGate(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """The gate an initiative passes to be promoted from one stage to the next."""

    __tablename__ = "stage_gate"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("initiative_id", "from_stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    from_stage: Mapped[Stage] = mapped_column(_stage_type("from_stage"))
    to_stage: Mapped[Stage] = mapped_column(_stage_type("to_stage"))
    status: Mapped[StageGateStatus] = mapped_column(
        enum_type(StageGateStatus), default=StageGateStatus.OPEN
    )
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiative: Mapped[Initiative] = relationship()
    criteria: Mapped[list[ExitCriterion]] = relationship(
        back_populates="stage_gate",
        order_by="ExitCriterion.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_passed(self) -> bool:
        return self.status == StageGateStatus.PASSED

    @property
    def title(self) -> str:
        return f"Stage gate {self.from_stage.value} → {self.to_stage.value}"


class Checkpoint(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """A governance gate review: requested by one person, decided by another."""

    __tablename__ = "checkpoint"
    __audited__ = True
    __table_args__ = (
        sa.Index("ix_checkpoint_org_status_requested", "organization_id", "status", "requested_at"),
        sa.Index(
            "ix_checkpoint_requester_status_requested", "requested_by_id", "status", "requested_at"
        ),
        sa.CheckConstraint(
            "(phase_id IS NULL) <> (stage_gate_id IS NULL)", name="reviews_phase_or_stage"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CheckpointKind] = mapped_column(enum_type(CheckpointKind))
    phase_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("phase.id", ondelete="CASCADE"), index=True
    )
    stage_gate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stage_gate.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[CheckpointStatus] = mapped_column(
        enum_type(CheckpointStatus), default=CheckpointStatus.PENDING
    )
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The decision-log entry of the outcome (the latest re-review, once re-reviewed).
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"))
    # SHA-256 of the exit criteria as approved; the full snapshot is in the decision's details.
    approved_snapshot_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    reviewed_again_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    initiative: Mapped[Initiative] = relationship()
    phase: Mapped[Phase | None] = relationship()
    stage_gate: Mapped[StageGate | None] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def criteria(self) -> list[ExitCriterion]:
        gate = self.phase if self.phase is not None else self.stage_gate
        return list(gate.criteria) if gate is not None else []

    @property
    def is_pending(self) -> bool:
        return self.status == CheckpointStatus.PENDING
