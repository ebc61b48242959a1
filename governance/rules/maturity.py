"""Rules over assessments, objectives and KPIs, including KPI-threshold criteria.

A KPI-threshold criterion keeps its parameters in a `KpiThreshold` row linked to the
criterion: `evaluate_threshold` answers one criterion; the registered `kpi_threshold` rule
answers for an initiative as a whole (every threshold criterion of it), which is what the
generic `evaluate(name, initiative)` can ask.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from governance.catalog import maturity_dimensions
from governance.enums import COMPARATOR_SIGNS, Comparator
from governance.extensions import db
from governance.models import (
    ExitCriterion,
    Initiative,
    Kpi,
    KpiMeasurement,
    KpiThreshold,
    MaturityAssessment,
    MaturityScore,
    Objective,
    Phase,
)
from governance.rules import Failure, RuleResult, criterion_rule, rule

KPI_FRESH_DAYS = 90


def _url(initiative: Initiative, page: str) -> str | None:
    from flask import has_request_context, url_for

    if not has_request_context():
        return None
    return url_for(
        f"maturity.{page}", slug=initiative.organization.slug, initiative_id=initiative.id
    )


@rule("every_dimension_assessed", "Maturity assessed on every dimension")
def every_dimension_assessed(initiative: Initiative, today: date) -> list[Failure]:
    latest = db.session.scalar(
        sa.select(MaturityAssessment)
        .where(MaturityAssessment.initiative_id == initiative.id)
        .order_by(MaturityAssessment.assessed_on.desc(), MaturityAssessment.id.desc())
        .limit(1)
    )
    url = _url(initiative, "assessments")
    if latest is None:
        return [Failure(initiative.name, "has no maturity assessment yet", url)]
    scored = set(
        db.session.scalars(
            sa.select(MaturityScore.dimension).where(MaturityScore.assessment_id == latest.id)
        )
    )
    return [
        Failure(
            d["name"], f"not scored in the latest assessment ({latest.assessed_on:%d %b %Y})", url
        )
        for d in maturity_dimensions()
        if d["key"] not in scored
    ]


@rule("objectives_have_baseline_and_target", "Every objective has a baseline and a target")
def objectives_have_baseline_and_target(initiative: Initiative, today: date) -> list[Failure]:
    url = _url(initiative, "objectives")
    rows = db.session.execute(
        sa.select(Objective.title, Kpi.name, Kpi.baseline, Kpi.target)
        .outerjoin(Kpi, Kpi.objective_id == Objective.id)
        .where(Objective.initiative_id == initiative.id)
        .order_by(Objective.id, Kpi.id)
    ).all()
    if not rows:
        return [Failure(initiative.name, "has no business objective yet", url)]
    failures = []
    for title, kpi, baseline, target in rows:
        if kpi is None:
            failures.append(Failure(title, "has no KPI to measure it", url))
            continue
        missing = [n for n, v in (("baseline", baseline), ("target", target)) if v is None]
        if missing:
            failures.append(Failure(f"{title}: {kpi}", f"has no {' and no '.join(missing)}", url))
    return failures


@rule("kpis_measured_recently", f"Every KPI measured in the last {KPI_FRESH_DAYS} days")
def kpis_measured_recently(initiative: Initiative, today: date) -> list[Failure]:
    url = _url(initiative, "objectives")
    since = today - timedelta(days=KPI_FRESH_DAYS)
    rows = db.session.execute(
        sa.select(Kpi.name, sa.func.max(KpiMeasurement.measured_on))
        .outerjoin(KpiMeasurement, KpiMeasurement.kpi_id == Kpi.id)
        .where(Kpi.initiative_id == initiative.id)
        .group_by(Kpi.id, Kpi.name)
        .order_by(Kpi.id)
    ).all()
    if not rows:
        return [Failure(initiative.name, "has no KPI yet", url)]
    failures = []
    for name, last in rows:
        if last is None:
            failures.append(Failure(name, "has never been measured", url))
        elif last < since:
            failures.append(Failure(name, f"last measured on {last:%d %b %Y}", url))
    return failures


def _failing(comparator: Comparator, threshold: Decimal) -> sa.ColumnElement[bool]:
    value = KpiMeasurement.value
    return {
        Comparator.AT_LEAST: value < threshold,
        Comparator.AT_MOST: value > threshold,
        Comparator.ABOVE: value <= threshold,
        Comparator.BELOW: value >= threshold,
    }[comparator]


def threshold_failures(limit: KpiThreshold, today: date) -> list[Failure]:
    """Fails without any measurement in the window, or with one that misses the threshold."""
    since = today - timedelta(days=limit.window_days - 1)
    in_window = sa.and_(
        KpiMeasurement.kpi_id == limit.kpi_id,
        KpiMeasurement.measured_on >= since,
        KpiMeasurement.measured_on <= today,
    )
    count = db.session.scalar(sa.select(sa.func.count()).where(in_window)) or 0
    kpi = limit.kpi
    if count == 0:
        return [Failure(kpi.name, f"no measurement in the last {limit.window_days} days")]
    misses = db.session.execute(
        sa.select(KpiMeasurement.measured_on, KpiMeasurement.value)
        .where(in_window, _failing(limit.comparator, limit.threshold))
        .order_by(KpiMeasurement.measured_on)
    ).all()
    sign = COMPARATOR_SIGNS[limit.comparator]
    return [
        Failure(
            f"{kpi.name} on {day:%d %b %Y}",
            f"{value.normalize():f} {kpi.unit} is not {sign} {limit.threshold.normalize():f}",
        )
        for day, value in misses
    ]


@criterion_rule("kpi_threshold")
def evaluate_threshold(criterion: ExitCriterion, today: date | None = None) -> RuleResult:
    limit = db.session.scalar(
        sa.select(KpiThreshold).where(KpiThreshold.criterion_id == criterion.id)
    )
    if limit is None:
        failure = Failure(criterion.title, "has no KPI threshold defined")
        return RuleResult("kpi_threshold", criterion.title, False, [failure])
    failures = threshold_failures(limit, today or date.today())
    return RuleResult("kpi_threshold", criterion.title, not failures, failures)


@rule("kpi_threshold", "KPI threshold met in every measurement of its window")
def kpi_threshold(initiative: Initiative, today: date) -> list[Failure]:
    limits = db.session.scalars(
        sa.select(KpiThreshold)
        .join(ExitCriterion, ExitCriterion.id == KpiThreshold.criterion_id)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(Phase.initiative_id == initiative.id)
        .order_by(KpiThreshold.id)
    ).all()
    if not limits:
        return [Failure(initiative.name, "has no KPI threshold defined")]
    return [failure for limit in limits for failure in threshold_failures(limit, today)]
