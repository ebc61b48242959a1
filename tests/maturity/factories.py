"""Builders of maturity, KPI and risk data for the dashboard tests (used with conftest fixtures)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from governance.catalog import maturity_dimensions
from governance.enums import Direction, RiskCategory, ValueDriver
from governance.extensions import db
from governance.maturity import operations as maturity
from governance.maturity import operations as objectives
from governance.portfolio import operations as initiative_ops
from governance.risks import operations as risks

TODAY = date.today()


def scores(level: int, target: int | None = 4) -> list[maturity.DimensionScore]:
    return [
        maturity.DimensionScore(d["key"], level, target, f"observed at level {level}")
        for d in maturity_dimensions()
    ]


def grow(org: Any, user: Any, initiatives: int) -> None:
    """`initiatives` initiatives, each with two assessments, a KPI with three measurements and
    two risks: the data a dashboard aggregates."""
    program = initiative_ops.create_program(org, f"Program {initiatives}-{org.id}")
    for n in range(initiatives):
        initiative = initiative_ops.create_initiative(program, f"Initiative {n}")
        maturity.record_assessment(initiative, user, TODAY - timedelta(days=120), scores(2))
        maturity.record_assessment(initiative, user, TODAY - timedelta(days=10), scores(3))
        objective = objectives.create_objective(initiative, user, "Cut losses", ValueDriver.COST)
        kpi = objectives.create_kpi(
            objective,
            user,
            "Loss rate",
            unit="%",
            direction=Direction.DECREASE,
            baseline=Decimal(10),
            target=Decimal(5),
        )
        for days, value in ((60, 9), (30, 8), (5, 7)):
            objectives.record_measurement(kpi, user, TODAY - timedelta(days=days), Decimal(value))
        for category in (RiskCategory.DRIFT, RiskCategory.VENDOR):
            risks.create_risk(
                org,
                user,
                title=f"{category} risk {n}",
                category=category,
                likelihood=1 + n % 5,
                impact=1 + (n * 2) % 5,
                initiative_id=initiative.id,
            )
    db.session.commit()
