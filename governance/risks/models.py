"""The AI risk register: likelihood and impact 1-5, an owner, a mitigation and a status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.database import Timestamps, Versioned, enum_type
from governance.enums import RiskCategory, RiskStatus
from governance.extensions import db
from governance.people.models import User

if TYPE_CHECKING:
    from governance.portfolio.models import Initiative


# Likelihood x impact at or above this is a high risk (the stage-gate wording in phases.yaml).
HIGH_RISK_SCORE = 15


class Risk(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "risk"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint("likelihood BETWEEN 1 AND 5", name="likelihood_range"),
        sa.CheckConstraint("impact BETWEEN 1 AND 5", name="impact_range"),
        sa.Index("ix_risk_org_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    # A risk may concern the whole organization (a vendor, a regulation) rather than one initiative.
    initiative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[RiskCategory] = mapped_column(enum_type(RiskCategory))
    likelihood: Mapped[int] = mapped_column()
    impact: Mapped[int] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    mitigation: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[RiskStatus] = mapped_column(enum_type(RiskStatus), default=RiskStatus.OPEN)

    initiative: Mapped[Initiative | None] = relationship()
    owner: Mapped[User | None] = relationship()

    @property
    def score(self) -> int:
        return self.likelihood * self.impact
