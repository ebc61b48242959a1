"""Maturity assessments: dated scores of an initiative on each dimension of the maturity model.

The model itself (dimensions, levels, rubric) is data in seed_data/maturity_model.yaml. An
assessment is never edited: a new one is recorded instead, so the history is the record.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.extensions import db
from governance.models.base import Timestamps
from governance.models.people import User

if TYPE_CHECKING:
    from governance.models.portfolio import Initiative


class MaturityAssessment(Timestamps, db.Model):  # type: ignore[name-defined]
    __tablename__ = "maturity_assessment"
    __audited__ = True
    __table_args__ = (
        sa.Index("ix_maturity_assessment_initiative_date", "initiative_id", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int] = mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    assessed_on: Mapped[date] = mapped_column()
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")

    initiative: Mapped[Initiative] = relationship()
    assessor: Mapped[User | None] = relationship()
    scores: Mapped[list[MaturityScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="MaturityScore.id"
    )


class MaturityScore(db.Model):  # type: ignore[name-defined]
    """One dimension's score (1-5), the level aimed for, and what the assessor observed."""

    __tablename__ = "maturity_score"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "dimension"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        sa.CheckConstraint("target IS NULL OR target BETWEEN 1 AND 5", name="target_range"),
        # Averages of the latest scores read only this index (migration 0006).
        sa.Index(
            "ix_maturity_score_assessment_dimension_score", "assessment_id", "dimension", "score"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE")
    )
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("maturity_assessment.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(sa.String(64))
    score: Mapped[int] = mapped_column()
    target: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="")

    assessment: Mapped[MaturityAssessment] = relationship(back_populates="scores")
