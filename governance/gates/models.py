"""The seven phases of an initiative and the exit criteria that gate each one."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from governance.database import Timestamps, UTCDateTime, Versioned, enum_type
from governance.enums import CriterionStatus, PhaseKind, PhaseStatus
from governance.extensions import db
from governance.people.models import User

if TYPE_CHECKING:
    from governance.decisions.models import Decision
    from governance.portfolio.models import Initiative


from governance.database import utcnow
from governance.enums import CheckpointKind, CheckpointStatus, Stage, StageGateStatus
from governance.portfolio.models import Initiative, Organization

# The server default of `rule_holds_until`: a day long past, "evaluate me".
EXPIRED = sa.text("'1970-01-01'")


class Phase(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "phase"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("initiative_id", "kind"),
        sa.Index("ix_phase_org_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PhaseKind] = mapped_column(enum_type(PhaseKind))
    position: Mapped[int] = mapped_column()
    status: Mapped[PhaseStatus] = mapped_column(
        enum_type(PhaseStatus), default=PhaseStatus.NOT_STARTED
    )
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    planned_start: Mapped[date | None] = mapped_column()
    planned_end: Mapped[date | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiative: Mapped[Initiative] = relationship(back_populates="phases")
    owner: Mapped[User | None] = relationship()
    criteria: Mapped[list[ExitCriterion]] = relationship(
        back_populates="phase", order_by="ExitCriterion.position", cascade="all, delete-orphan"
    )


class ExitCriterion(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "exit_criterion"
    __audited__ = True
    __table_args__ = (
        sa.Index("ix_exit_criterion_org_status_due", "organization_id", "status", "due_on"),
        # "Waiting on you" on the portfolio (migration 0006).
        sa.Index("ix_exit_criterion_owner_status", "owner_id", "status"),
        # A criterion gates exactly one thing: a phase, or a stage gate (pilot -> scale, ...).
        sa.CheckConstraint(
            "(phase_id IS NULL) <> (stage_gate_id IS NULL)", name="gates_phase_or_stage"
        ),
        # The results whose time is up (governance/gates/state.py: refresh_expired).
        sa.Index("ix_exit_criterion_rule_holds_until", "rule_holds_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    phase_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("phase.id", ondelete="CASCADE"), index=True
    )
    stage_gate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stage_gate.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64), default="")
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Framework citations ("NIST AI RMF MAP 1.3", "ISO/IEC 42001 6.2"), kept as data.
    framework_refs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The name of an evaluated rule, when the criterion is computed from tracked data.
    rule: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[CriterionStatus] = mapped_column(
        enum_type(CriterionStatus), default=CriterionStatus.OPEN
    )
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    due_on: Mapped[date | None] = mapped_column()
    evidence_url: Mapped[str] = mapped_column(sa.String(500), default="")
    evidence_text: Mapped[str] = mapped_column(sa.Text, default="")
    met_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A waiver is a recorded decision (reason, who, accepted risk); the criterion links to it.
    waived_by_decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"))
    # The registered rule's result, kept here by governance/gates/state.py (never by hand): None
    # when no registered rule decides the criterion. Written with the data the rule reads, in
    # the same transaction, so SQL aggregates read the same truth as the initiative page.
    rule_passed: Mapped[bool | None] = mapped_column()
    # {"title": ..., "failures": [{"record", "reason", "about": {"kind", "key", "detail"}}]}
    rule_result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    rule_checked_on: Mapped[date | None] = mapped_column()
    # The last day the result holds with no change of data (a freshness window runs out);
    # None: until the data changes. A row nobody evaluated yet (bulk-loaded, or from before
    # this column) starts expired, so the next request evaluates it.
    rule_holds_until: Mapped[date | None] = mapped_column(server_default=EXPIRED)
    # When the rule started passing (the burndown's "done" time of an evaluated criterion).
    rule_passing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # THE state of a criterion, one definition read by every page, figure, count and answer:
    # waived through a decision; else its registered rule's result; else met with evidence or
    # open. A SQL expression, so aggregates filter and count on it, and loaded with the row.
    state: Mapped[CriterionStatus] = column_property(
        sa.type_coerce(
            sa.case(
                (status == CriterionStatus.WAIVED, CriterionStatus.WAIVED.value),
                (rule_passed.is_(True), CriterionStatus.MET.value),
                (rule_passed.is_(False), CriterionStatus.OPEN.value),
                else_=status,
            ),
            enum_type(CriterionStatus),  # type: ignore[arg-type]
        )
    )
    # Since when it counts as met: its rule's first pass, or its evidence (None when not met).
    met_since: Mapped[datetime | None] = column_property(
        sa.type_coerce(
            sa.case((rule_passed.is_not(None), rule_passing_since), else_=met_at), UTCDateTime()
        )
    )

    phase: Mapped[Phase | None] = relationship(back_populates="criteria")
    stage_gate: Mapped[StageGate | None] = relationship(back_populates="criteria")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    met_by: Mapped[User | None] = relationship(foreign_keys=[met_by_id])
    waived_by: Mapped[Decision | None] = relationship(foreign_keys=[waived_by_decision_id])

    @property
    def initiative_id(self) -> int:
        """The initiative whose phase or stage gate this criterion gates."""
        gate = self.phase if self.phase is not None else self.stage_gate
        assert gate is not None  # the CHECK constraint guarantees one of the two
        return gate.initiative_id

    @property
    def is_closed(self) -> bool:
        """Its phase is complete or its stage gate passed: the criterion can no longer change."""
        if self.phase is not None:
            return self.phase.status == PhaseStatus.COMPLETE
        return self.stage_gate is not None and self.stage_gate.is_passed


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
    # The first of two approvals, when the checkpoint needs two (gates/approvals.py): it stays
    # pending until a second, other person approves.
    first_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    first_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_approval_comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
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
    first_approved_by: Mapped[User | None] = relationship(foreign_keys=[first_approved_by_id])

    @property
    def criteria(self) -> list[ExitCriterion]:
        gate = self.phase if self.phase is not None else self.stage_gate
        return list(gate.criteria) if gate is not None else []

    @property
    def is_pending(self) -> bool:
        return self.status == CheckpointStatus.PENDING
