"""Rules over assessments, objectives and KPIs, including KPI-threshold criteria.

A KPI-threshold criterion keeps its parameters in a `KpiThreshold` row linked to the
criterion: `evaluate_threshold` answers one criterion; the registered `kpi_threshold` rule
answers for an initiative as a whole (every threshold criterion of it), which is what the
generic `evaluate(name, initiative)` can ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from governance.catalog import maturity_dimensions
from governance.enums import COMPARATOR_SIGNS, Comparator
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase
from governance.gates.rules import (
    Checked,
    Failure,
    RecordRef,
    RuleResult,
    criterion_batch_rule,
    criterion_rule,
    holds_until,
    judge,
    open_when_empty,
    rule,
)
from governance.maturity.models import (
    Kpi,
    KpiMeasurement,
    KpiThreshold,
    MaturityAssessment,
    MaturityScore,
    Objective,
)
from governance.portfolio.models import Initiative

KPI_FRESH_DAYS = 90


def _page(initiative: Initiative, page: str) -> RecordRef:
    """The initiative's page of assessments or objectives, where these failures are fixed."""
    return RecordRef(page, initiative.id)


@rule(
    "every_dimension_assessed",
    "Maturity assessed on all {dimensions} dimensions",
    when_empty=open_when_empty("no maturity assessment yet"),
    params={"dimensions": len(maturity_dimensions())},
)
def every_dimension_assessed(initiative: Initiative, today: date) -> Checked:
    latest = db.session.scalar(
        sa.select(MaturityAssessment)
        .where(MaturityAssessment.initiative_id == initiative.id)
        .order_by(MaturityAssessment.assessed_on.desc(), MaturityAssessment.id.desc())
        .limit(1)
    )
    page = _page(initiative, "assessments")
    if latest is None:
        return Checked(0, fix=page)
    scored = set(
        db.session.scalars(
            sa.select(MaturityScore.dimension).where(MaturityScore.assessment_id == latest.id)
        )
    )
    dimensions = maturity_dimensions()
    return Checked(
        len(dimensions),
        [
            Failure(
                d["name"],
                f"not scored in the latest assessment ({latest.assessed_on:%d %b %Y})",
                page,
            )
            for d in dimensions
            if d["key"] not in scored
        ],
    )


@rule(
    "objectives_have_baseline_and_target",
    "Every objective has a baseline and a target",
    when_empty=open_when_empty("no business objective yet"),
)
def objectives_have_baseline_and_target(initiative: Initiative, today: date) -> Checked:
    page = _page(initiative, "objectives")
    rows = db.session.execute(
        sa.select(Objective.title, Kpi.name, Kpi.baseline, Kpi.target)
        .outerjoin(Kpi, Kpi.objective_id == Objective.id)
        .where(Objective.initiative_id == initiative.id)
        .order_by(Objective.id, Kpi.id)
    ).all()
    if not rows:
        return Checked(0, fix=page)
    failures = []
    for title, kpi, baseline, target in rows:
        if kpi is None:
            failures.append(Failure(title, "has no KPI to measure it", page))
            continue
        missing = [n for n, v in (("baseline", baseline), ("target", target)) if v is None]
        if missing:
            failures.append(Failure(f"{title}: {kpi}", f"has no {' and no '.join(missing)}", page))
    return Checked(len(rows), failures)


@rule(
    "kpis_measured_recently",
    "Every KPI measured in the last {days} days",
    when_empty=open_when_empty("no KPI yet"),
    params={"days": KPI_FRESH_DAYS},
)
def kpis_measured_recently(initiative: Initiative, today: date) -> Checked:
    page = _page(initiative, "objectives")
    since = today - timedelta(days=KPI_FRESH_DAYS)
    rows = db.session.execute(
        sa.select(Kpi.name, sa.func.max(KpiMeasurement.measured_on))
        .outerjoin(KpiMeasurement, KpiMeasurement.kpi_id == Kpi.id)
        .where(Kpi.initiative_id == initiative.id)
        .group_by(Kpi.id, Kpi.name)
        .order_by(Kpi.id)
    ).all()
    if not rows:
        return Checked(0, fix=page)
    failures = []
    for _name, last in rows:  # the result may change when a recent measurement grows old
        if last is not None and last >= since:
            holds_until(last + timedelta(days=KPI_FRESH_DAYS))
    for name, last in rows:
        if last is None:
            failures.append(Failure(name, "has never been measured", page))
        elif last < since:
            failures.append(Failure(name, f"last measured on {last:%d %b %Y}", page))
    return Checked(len(rows), failures)


def _failing(comparator: Comparator, threshold: Decimal) -> sa.ColumnElement[bool]:
    value = KpiMeasurement.value
    return {
        Comparator.AT_LEAST: value < threshold,
        Comparator.AT_MOST: value > threshold,
        Comparator.ABOVE: value <= threshold,
        Comparator.BELOW: value >= threshold,
    }[comparator]


def thresholds_checked(
    limits: Sequence[KpiThreshold], today: date, horizons: dict[int, date] | None = None
) -> dict[int, Checked]:
    """Threshold id -> what was checked, for every threshold at once: one query for all.
    `horizons` collects, per threshold, the last day its result holds with no new data.

    A threshold is open without any measurement in its window (nothing to check is not a
    pass), and fails with a measurement that misses it. The
    `limits` must have their KPI loaded (`joinedload(KpiThreshold.kpi)`) to stay at one query.
    """
    if not limits:
        return {}
    # One SELECT per threshold, joined by UNION ALL: each keeps its own window and comparison
    # (the same predicates as when evaluated alone), and the whole is a single query.
    parts = [
        sa.select(
            sa.literal(limit.id, sa.Integer).label("threshold_id"),
            KpiMeasurement.id.label("measurement_id"),
            KpiMeasurement.measured_on,
            KpiMeasurement.value,
            sa.case((_failing(limit.comparator, limit.threshold), 1), else_=0).label("misses"),
        ).where(
            KpiMeasurement.kpi_id == limit.kpi_id,
            KpiMeasurement.measured_on >= today - timedelta(days=limit.window_days - 1),
            KpiMeasurement.measured_on <= today,
        )
        for limit in limits
    ]
    both = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    rows = db.session.execute(
        sa.select(both.c.threshold_id, both.c.measured_on, both.c.value, both.c.misses).order_by(
            both.c.threshold_id, both.c.measured_on, both.c.measurement_id
        )
    ).all()
    seen: dict[int, int] = {}
    missed: dict[int, list[tuple[date, Decimal]]] = {}
    window = {limit.id: limit.window_days for limit in limits}
    for threshold_id, day, value, misses in rows:
        seen[threshold_id] = seen.get(threshold_id, 0) + 1
        # The result may change once a measurement of the window leaves it.
        ends = day + timedelta(days=window[threshold_id] - 1)
        if horizons is not None:
            horizons[threshold_id] = min(horizons.get(threshold_id, ends), ends)
        if misses:
            missed.setdefault(threshold_id, []).append((day, value))
    checked: dict[int, Checked] = {}
    for limit in limits:
        kpi = limit.kpi
        sign = COMPARATOR_SIGNS[limit.comparator]
        checked[limit.id] = Checked(
            seen.get(limit.id, 0),
            [
                Failure(
                    f"{kpi.name} on {day:%d %b %Y}",
                    f"{value.normalize():f} {kpi.unit} is not {sign} "
                    f"{limit.threshold.normalize():f}",
                )
                for day, value in missed.get(limit.id, [])
            ],
            nothing=f"{kpi.name}: no measurement in the last {limit.window_days} days",
        )
    return checked


def _limits_of(criteria_ids: list[int]) -> dict[int, KpiThreshold]:
    """Criterion id -> its KPI threshold (with the KPI), in one query."""
    if not criteria_ids:
        return {}
    return {
        limit.criterion_id: limit
        for limit in db.session.scalars(
            sa.select(KpiThreshold)
            .where(KpiThreshold.criterion_id.in_(criteria_ids))
            .options(joinedload(KpiThreshold.kpi))
        )
    }


@criterion_batch_rule("kpi_threshold")
def evaluate_thresholds(
    criteria: list[ExitCriterion], today: date | None = None
) -> dict[int, RuleResult]:
    """Criterion id -> result, for every KPI-threshold criterion given: two queries in all."""
    today = today or date.today()
    limits = _limits_of([c.id for c in criteria])
    horizons: dict[int, date] = {}
    checked = thresholds_checked(list(limits.values()), today, horizons)
    results = {}
    for criterion in criteria:
        limit = limits.get(criterion.id)
        found = (
            checked[limit.id]
            if limit is not None
            else Checked(0, nothing="no KPI threshold is defined for this criterion")
        )
        results[criterion.id] = judge("kpi_threshold", criterion.title, found)
        if limit is not None:
            results[criterion.id].holds_until = horizons.get(limit.id)
    return results


@criterion_rule("kpi_threshold")
def evaluate_threshold(criterion: ExitCriterion, today: date | None = None) -> RuleResult:
    return evaluate_thresholds([criterion], today)[criterion.id]


@rule(
    "kpi_threshold",
    "KPI threshold met in every measurement of its window",
    when_empty=open_when_empty("no KPI threshold is defined yet"),
)
def kpi_threshold(initiative: Initiative, today: date) -> Checked:
    limits = db.session.scalars(
        sa.select(KpiThreshold)
        .join(ExitCriterion, ExitCriterion.id == KpiThreshold.criterion_id)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(Phase.initiative_id == initiative.id)
        .options(joinedload(KpiThreshold.kpi))
        .order_by(KpiThreshold.id)
    ).all()
    horizons: dict[int, date] = {}
    checked = thresholds_checked(limits, today, horizons)
    holds_until(min(horizons.values(), default=None))
    failures = []
    for limit in limits:
        found = checked[limit.id]
        # A threshold with nothing in its window keeps the initiative's answer open.
        if not found.count:
            failures.append(
                Failure(limit.kpi.name, f"no measurement in the last {limit.window_days} days")
            )
        failures += found.failures
    return Checked(sum(c.count for c in checked.values()), failures)
