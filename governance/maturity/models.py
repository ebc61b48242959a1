"""Maturity assessments: dated scores of an initiative on each dimension of the maturity model.

The model itself (dimensions, levels, rubric) is data in seed_data/maturity_model.yaml. An
assessment is never edited: a new one is recorded instead, so the history is the record.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from governance.database import Timestamps
from governance.extensions import db
from governance.people.models import User

if TYPE_CHECKING:
    from governance.portfolio.models import Initiative


from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.types import TypeDecorator

from governance.database import Versioned, enum_type
from governance.enums import Comparator, Direction, ValueDriver

if TYPE_CHECKING:
    from governance.gates.models import ExitCriterion
    from governance.portfolio.models import Initiative


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


SCALE = 4


QUANTUM = Decimal(1).scaleb(-SCALE)


class Quantity(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC(18, 4) on PostgreSQL, returned as Decimal everywhere.

    SQLite keeps numbers as floats whatever the declared type, so there the value is read as a
    float and rounded back to four places (which is all we store) instead of SQLAlchemy's
    lossy-Decimal warning.
    """

    impl = sa.Numeric(18, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Numeric(18, SCALE, asdecimal=False))
        return dialect.type_descriptor(sa.Numeric(18, SCALE))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value).quantize(QUANTUM)
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(QUANTUM)


class Objective(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "objective"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    value_driver: Mapped[ValueDriver] = mapped_column(enum_type(ValueDriver))

    initiative: Mapped[Initiative] = relationship()
    kpis: Mapped[list[Kpi]] = relationship(back_populates="objective", order_by="Kpi.id")


class Kpi(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """An objective's success metric: baseline, target, unit, direction."""

    __tablename__ = "kpi"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True
    )
    objective_id: Mapped[int] = mapped_column(
        sa.ForeignKey("objective.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(160))
    unit: Mapped[str] = mapped_column(sa.String(32))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction))
    baseline: Mapped[Decimal | None] = mapped_column(Quantity)
    target: Mapped[Decimal | None] = mapped_column(Quantity)
    target_on: Mapped[date | None] = mapped_column()

    objective: Mapped[Objective] = relationship(back_populates="kpis")


class KpiMeasurement(Timestamps, db.Model):  # type: ignore[name-defined]
    __tablename__ = "kpi_measurement"
    __audited__ = True
    __table_args__ = (sa.UniqueConstraint("kpi_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("kpi.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column()
    value: Mapped[Decimal] = mapped_column(Quantity)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    kpi: Mapped[Kpi] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class KpiThreshold(Timestamps, Versioned, db.Model):  # type: ignore[name-defined]
    """The parameters of an exit criterion whose rule is `kpi_threshold`.

    "Fraud catch rate at least 92 % in every measurement of the last 30 days": the criterion
    keeps its title and status; this row says which KPI, how to compare, and over what window.
    """

    __tablename__ = "kpi_threshold"
    __audited__ = True
    __table_args__ = (sa.CheckConstraint("window_days BETWEEN 1 AND 366", name="window_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exit_criterion.id", ondelete="CASCADE"), unique=True
    )
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("kpi.id", ondelete="CASCADE"), index=True)
    comparator: Mapped[Comparator] = mapped_column(enum_type(Comparator))
    threshold: Mapped[Decimal] = mapped_column(Quantity)
    window_days: Mapped[int] = mapped_column()

    criterion: Mapped[ExitCriterion] = relationship()
    kpi: Mapped[Kpi] = relationship()
