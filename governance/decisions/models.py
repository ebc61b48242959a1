"""The decision log: append-only entries forming one SHA-256 hash chain per organization.

An entry is never updated or deleted (the operations have no such path and database triggers
refuse it). A decision's life — approval, status changes, corrections — is a *thread* of
entries: the first entry starts it (`thread_id` = its own id), each later one repeats every
field with its change and points at the entry it revises (`revises_id`). The current state of
a decision is the latest entry of its thread.

Every column below is hashed (see governance/decisions/chain.py), so a new column is
automatically covered; keep values to ints, strings, None, lists and dicts — never floats.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.database import UTCDateTime, enum_type, utcnow
from governance.enums import DecisionImpact, DecisionStatus
from governance.extensions import db
from governance.people.models import User
from governance.portfolio.models import Organization

# The columns that hold a list of lines (MADR's drivers, options, people; references), not text.
LIST_FIELDS = (
    "decision_drivers",
    "considered_options",
    "decision_makers",
    "consulted",
    "informed",
    "risk_refs",
    "artifact_refs",
)


class Decision(db.Model):  # type: ignore[name-defined]
    __tablename__ = "decision"
    __audited__ = True
    __table_args__ = (
        # The chain cannot fork: one entry per position, and one successor per entry.
        sa.UniqueConstraint("organization_id", "seq", name="uq_decision_organization_id_seq"),
        sa.UniqueConstraint(
            "organization_id", "prev_hash", name="uq_decision_organization_id_prev_hash"
        ),
        sa.UniqueConstraint("hash", name="uq_decision_hash"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.Index("ix_decision_thread_seq", "thread_id", "seq"),
        sa.Index("ix_decision_org_created", "organization_id", "created_at"),
    )

    # Allocated before the insert (the hash covers it): see governance/decisions/chain.py.
    id: Mapped[int] = mapped_column(primary_key=True)
    # No ON DELETE CASCADE: an organization with a decision log cannot silently lose it.
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    seq: Mapped[int] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    # The thread (one decision's history) and the entry this one revises.
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("decision.id"))
    revises_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"))
    # What the decision is about, the same on every entry of its thread: "general", "waiver",
    # "checkpoint", "governance_expectations", "roadmap_refinement", ...
    kind: Mapped[str] = mapped_column(sa.String(40), default="general")
    # What this entry does: "recorded" (first entry), "approval", "status_change", "correction".
    change: Mapped[str] = mapped_column(sa.String(20), default="recorded")

    # MADR 4.0
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[DecisionStatus] = mapped_column(enum_type(DecisionStatus))
    impact: Mapped[DecisionImpact] = mapped_column(enum_type(DecisionImpact))
    context: Mapped[str] = mapped_column(sa.Text)  # context and problem statement
    decision_drivers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    considered_options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    decision: Mapped[str] = mapped_column(sa.Text)  # the chosen option
    rationale: Mapped[str] = mapped_column(sa.Text, default="")
    consequences: Mapped[str] = mapped_column(sa.Text, default="")
    confirmation: Mapped[str] = mapped_column(sa.Text, default="")
    decision_makers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    consulted: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    informed: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Why this revision was made (a correction's reason, a status change's comment).
    note: Mapped[str] = mapped_column(sa.Text, default="")

    # What the decision concerns.
    initiative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("initiative.id"), index=True)
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phase.id"))
    # use_alter: checkpoint.decision_id points back here (the outcome's entry).
    checkpoint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkpoint.id", use_alter=True, name="fk_decision_checkpoint_id_checkpoint")
    )
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision.id"))
    # Risks and lineage artifacts live in other areas: kept as references, e.g. "risk:12".
    risk_refs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    artifact_refs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Structured data: a checkpoint's approved snapshot, a waiver's criterion and accepted risk.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    # Who and when; names are copied so the log keeps saying who, whatever happens later.
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    decided_by_name: Mapped[str] = mapped_column(sa.String(120))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    approved_by_name: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def is_revision(self) -> bool:
        return self.revises_id is not None

    def __repr__(self) -> str:
        return f"<Decision {self.organization_id}#{self.seq} {self.title!r}>"
