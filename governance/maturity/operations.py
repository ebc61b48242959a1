"""Maturity assessments: recorded, never overwritten. A later assessment supersedes in views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from governance.catalog import maturity_dimensions
from governance.enums import COMPARATOR_SIGNS, Comparator, Direction, PhaseStatus, ValueDriver
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase
from governance.maturity.models import (
    Kpi,
    KpiMeasurement,
    KpiThreshold,
    MaturityAssessment,
    MaturityScore,
    Objective,
)
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    score: int
    target: int | None = None
    note: str = ""


def record_assessment(
    initiative: Initiative,
    by: User,
    assessed_on: date,
    scores: list[DimensionScore],
    *,
    summary: str = "",
    today: date | None = None,
) -> MaturityAssessment:
    """A dated assessment of `initiative`: a score (1-5), a target level and a note per dimension.

    Dimensions may be left out (the `every_dimension_assessed` rule says which are missing),
    but at least one must be scored.
    """
    require(by, Action.CONTRIBUTE, initiative, REFUSAL)
    known = {d["key"]: d["name"] for d in maturity_dimensions()}
    if assessed_on > (today or date.today()):
        raise DomainError("An assessment cannot be dated in the future.", field="assessed_on")
    if not scores:
        raise DomainError("Score at least one dimension.")
    seen: set[str] = set()
    for item in scores:
        if item.dimension not in known:
            raise DomainError(f"“{item.dimension}” is not a dimension of the maturity model.")
        if item.dimension in seen:
            raise DomainError(f"{known[item.dimension]} is scored twice.")
        seen.add(item.dimension)
        if not 1 <= item.score <= 5:
            raise DomainError(
                f"{known[item.dimension]}: a score is a level from 1 to 5.",
                field=f"score_{item.dimension}",
            )
        if item.target is not None and not 1 <= item.target <= 5:
            raise DomainError(
                f"{known[item.dimension]}: a target is a level from 1 to 5.",
                field=f"target_{item.dimension}",
            )
    assessment = MaturityAssessment(
        organization_id=initiative.organization_id,
        initiative_id=initiative.id,
        assessed_on=assessed_on,
        assessor_id=by.id,
        summary=summary.strip(),
    )
    order = list(known)
    for item in sorted(scores, key=lambda s: order.index(s.dimension)):
        assessment.scores.append(
            MaturityScore(
                organization_id=initiative.organization_id,
                dimension=item.dimension,
                score=item.score,
                target=item.target,
                note=item.note.strip(),
            )
        )
    db.session.add(assessment)
    db.session.flush()
    return assessment


REFUSAL = "Your role in this organization does not allow changing assessments, objectives or KPIs."

OBJECTIVE_FIELDS = ["title", "description", "value_driver"]


KPI_FIELDS = ["name", "unit", "direction", "baseline", "target", "target_on"]


THRESHOLD_RULE = "kpi_threshold"


LIMIT = Decimal("1e14")  # NUMERIC(18, 4) holds 14 digits before the point


def create_objective(
    initiative: Initiative, by: User, title: str, value_driver: ValueDriver, description: str = ""
) -> Objective:
    require(by, Action.CONTRIBUTE, initiative, REFUSAL)
    if not title.strip():
        raise DomainError("Give the objective a title.", field="title")
    objective = Objective(
        organization_id=initiative.organization_id,
        initiative_id=initiative.id,
        title=title.strip(),
        description=description.strip(),
        value_driver=value_driver,
    )
    db.session.add(objective)
    db.session.flush()
    return objective


def update_objective(
    objective: Objective,
    by: User,
    expected_version: int | None,
    *,
    title: str,
    value_driver: ValueDriver,
    description: str,
) -> Objective:
    require(by, Action.CONTRIBUTE, objective, REFUSAL)
    check_version(objective, expected_version, OBJECTIVE_FIELDS)
    if not title.strip():
        raise DomainError("Give the objective a title.", field="title")
    objective.title = title.strip()
    objective.value_driver = value_driver
    objective.description = description.strip()
    db.session.flush()
    return objective


def _check_number(value: Decimal | None, field: str) -> None:
    if value is not None and (not value.is_finite() or abs(value) >= LIMIT):
        raise DomainError("Enter a number below 100,000,000,000,000.", field=field)


def _check_kpi(
    direction: Direction, baseline: Decimal | None, target: Decimal | None, unit: str
) -> None:
    _check_number(baseline, "baseline")
    _check_number(target, "target")
    if not unit.strip():
        raise DomainError("Give the unit (%, EUR, minutes, parcels...).", field="unit")
    if baseline is None or target is None:
        return
    if direction == Direction.INCREASE and target <= baseline:
        raise DomainError(
            "This KPI should increase: its target must be above the baseline.", field="target"
        )
    if direction == Direction.DECREASE and target >= baseline:
        raise DomainError(
            "This KPI should decrease: its target must be below the baseline.", field="target"
        )


def create_kpi(
    objective: Objective,
    by: User,
    name: str,
    *,
    unit: str,
    direction: Direction,
    baseline: Decimal | None = None,
    target: Decimal | None = None,
    target_on: date | None = None,
) -> Kpi:
    require(by, Action.CONTRIBUTE, objective, REFUSAL)
    if not name.strip():
        raise DomainError("Name the KPI.", field="name")
    _check_kpi(direction, baseline, target, unit)
    kpi = Kpi(
        organization_id=objective.organization_id,
        initiative_id=objective.initiative_id,
        objective_id=objective.id,
        name=name.strip(),
        unit=unit.strip(),
        direction=direction,
        baseline=baseline,
        target=target,
        target_on=target_on,
    )
    db.session.add(kpi)
    db.session.flush()
    return kpi


def update_kpi(
    kpi: Kpi,
    by: User,
    expected_version: int | None,
    *,
    name: str,
    unit: str,
    direction: Direction,
    baseline: Decimal | None,
    target: Decimal | None,
    target_on: date | None,
) -> Kpi:
    require(by, Action.CONTRIBUTE, kpi, REFUSAL)
    check_version(kpi, expected_version, KPI_FIELDS)
    if not name.strip():
        raise DomainError("Name the KPI.", field="name")
    _check_kpi(direction, baseline, target, unit)
    kpi.name, kpi.unit, kpi.direction = name.strip(), unit.strip(), direction
    kpi.baseline, kpi.target, kpi.target_on = baseline, target, target_on
    db.session.flush()
    return kpi


def record_measurement(
    kpi: Kpi,
    by: User,
    measured_on: date,
    value: Decimal,
    *,
    note: str = "",
    today: date | None = None,
) -> KpiMeasurement:
    require(by, Action.CONTRIBUTE, kpi, REFUSAL)
    if measured_on > (today or date.today()):
        raise DomainError("A measurement cannot be dated in the future.", field="measured_on")
    _check_number(value, "value")
    taken = db.session.scalar(
        sa.select(KpiMeasurement.id).where(
            KpiMeasurement.kpi_id == kpi.id, KpiMeasurement.measured_on == measured_on
        )
    )
    if taken is not None:
        raise DomainError(
            f"{kpi.name} already has a measurement on {measured_on:%d %b %Y}.",
            field="measured_on",
        )
    measurement = KpiMeasurement(
        organization_id=kpi.organization_id,
        kpi_id=kpi.id,
        measured_on=measured_on,
        value=value,
        note=note.strip(),
        recorded_by_id=by.id,
    )
    db.session.add(measurement)
    db.session.flush()
    return measurement


def threshold_title(kpi: Kpi, comparator: Comparator, threshold: Decimal, window: int) -> str:
    amount = f"{threshold.normalize():f}"
    unit = kpi.unit if kpi.unit in ("%",) else f" {kpi.unit}"
    return (
        f"{kpi.name} {COMPARATOR_SIGNS[comparator]} {amount}{unit} "
        f"in every measurement of the last {window} days"
    )


def add_kpi_threshold(
    phase: Phase,
    by: User,
    kpi: Kpi,
    comparator: Comparator,
    threshold: Decimal,
    window_days: int,
) -> KpiThreshold:
    """A new exit criterion on `phase`, evaluated from `kpi`'s measurements."""
    require(
        by,
        Action.MANAGE,
        phase,
        "Only a leader, PMO or admin of this organization can add an exit criterion.",
    )
    if phase.initiative_id != kpi.initiative_id:
        raise DomainError("Choose a KPI of this initiative.", field="kpi_id")
    if phase.status == PhaseStatus.COMPLETE:
        raise DomainError("That phase is complete: its exit criteria can no longer change.")
    if not 1 <= window_days <= 366:
        raise DomainError("The window is between 1 and 366 days.", field="window_days")
    _check_number(threshold, "threshold")
    next_position = (
        sa.select(sa.func.coalesce(sa.func.max(ExitCriterion.position), 0) + 1)
        .where(ExitCriterion.phase_id == phase.id)
        .scalar_subquery()
    )
    criterion = ExitCriterion(
        organization_id=phase.organization_id,
        phase_id=phase.id,
        key=f"kpi-threshold-{kpi.id}",
        position=next_position,
        title=threshold_title(kpi, comparator, threshold, window_days),
        description=(
            "Evaluated from the KPI's measurements: met while there is at least one measurement "
            "in the window and every one of them passes."
        ),
        rule=THRESHOLD_RULE,
    )
    db.session.add(criterion)
    db.session.flush()
    # The phase's loaded criteria list does not know the new row: reload it on next use, or a
    # gate check in this same session would miss the criterion.
    db.session.expire(phase, ["criteria"])
    limit = KpiThreshold(
        organization_id=phase.organization_id,
        criterion_id=criterion.id,
        kpi_id=kpi.id,
        comparator=comparator,
        threshold=threshold,
        window_days=window_days,
    )
    db.session.add(limit)
    db.session.flush()
    return limit
