"""Client organizations, their programs and initiatives, and the leaders' engagements."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.database import Timestamps, Versioned, enum_type
from governance.enums import CostModel, EngagementModel, LeadershipRole, RiskTier, Stage
from governance.extensions import db
from governance.people.models import Membership, User

if TYPE_CHECKING:
    from governance.gates.models import Phase


class Organization(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """A client company: everything else belongs to exactly one organization."""

    __tablename__ = "organization"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Working days a checkpoint may wait for review before it counts as overdue.
    review_target_days: Mapped[int] = mapped_column(default=5)
    # A checkpoint of a high-risk initiative needs two approvers other than its requester
    # (gates/approvals.py: approvers_needed); on unless the organization turns it off.
    two_approvers_for_high_risk: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true()
    )
    # Mean time to recover the organization aims for (the "MTTR within target" rule, the
    # operations page), in minutes.
    mttr_target_minutes: Mapped[int] = mapped_column(default=240, server_default="240")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    @property
    def organization_id(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<Organization {self.slug}>"


class Engagement(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "engagement"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    leadership_role: Mapped[LeadershipRole] = mapped_column(enum_type(LeadershipRole))
    model: Mapped[EngagementModel] = mapped_column(enum_type(EngagementModel))
    hours_per_week: Mapped[int] = mapped_column()
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column()
    cost_model: Mapped[CostModel] = mapped_column(enum_type(CostModel))

    organization: Mapped[Organization] = relationship()
    leader: Mapped[User] = relationship()


class Program(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "program"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    organization: Mapped[Organization] = relationship()
    owner: Mapped[User | None] = relationship()
    initiatives: Mapped[list[Initiative]] = relationship(
        back_populates="program", order_by="Initiative.name"
    )


class Initiative(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """One AI workstream, with its delivery stage and the seven phases it goes through."""

    __tablename__ = "initiative"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("program.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    stage: Mapped[Stage] = mapped_column(enum_type(Stage), default=Stage.PILOT)
    risk_tier: Mapped[RiskTier] = mapped_column(enum_type(RiskTier), default=RiskTier.MEDIUM)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    sponsor: Mapped[str] = mapped_column(sa.String(160), default="")

    organization: Mapped[Organization] = relationship()
    program: Mapped[Program] = relationship(back_populates="initiatives")
    owner: Mapped[User | None] = relationship()
    phases: Mapped[list[Phase]] = relationship(
        back_populates="initiative", order_by="Phase.position", cascade="all, delete-orphan"
    )
