"""An initiative's maturity assessments, objectives, KPIs, measurements and KPI thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from governance.catalog import maturity_dimensions, maturity_levels
from governance.enums import PHASE_TITLES, Comparator, Direction, PhaseStatus, ValueDriver
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase
from governance.gates.state import rule_results, stored_result
from governance.loaders import get_initiative, get_kpi, get_objective, get_organization
from governance.maturity import operations as ops
from governance.maturity.forms import (
    KpiForm,
    MeasurementForm,
    ObjectiveForm,
    ThresholdForm,
    assessment_form,
)
from governance.maturity.models import (
    Kpi,
    KpiMeasurement,
    KpiThreshold,
    MaturityAssessment,
    Objective,
)
from governance.maturity.rules import evaluate_threshold
from governance.permissions import Action
from governance.portfolio.models import Initiative, Organization
from governance.web.formats import day, number
from governance.web.helpers import form_status, save

bp = Blueprint("maturity", __name__, url_prefix="/orgs/<slug>/initiatives/<int:initiative_id>")


def _load(
    slug: str, initiative_id: int, action: Action = Action.READ
) -> tuple[Organization, Initiative]:
    org = get_organization(slug, action)
    return org, get_initiative(org, initiative_id)


def _form_page(
    org: Organization, initiative: Initiative, form: Any, title: str, **extra: Any
) -> ResponseReturnValue:
    return render_template(
        "maturity/form.html", org=org, initiative=initiative, form=form, title=title, **extra
    ), form_status()


@bp.get("/assessments")
@login_required
def assessments(slug: str, initiative_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id)
    history = list(
        db.session.scalars(
            sa.select(MaturityAssessment)
            .where(MaturityAssessment.initiative_id == initiative.id)
            .options(
                selectinload(MaturityAssessment.scores), selectinload(MaturityAssessment.assessor)
            )
            .order_by(MaturityAssessment.assessed_on.desc(), MaturityAssessment.id.desc())
        )
    )
    return render_template(
        "maturity/assessments.html",
        org=org,
        initiative=initiative,
        history=history,
        scores=[{s.dimension: s for s in a.scores} for a in history],
        dimensions=maturity_dimensions(),
        levels=maturity_levels(),
        # As the initiative's criterion keeps it: the page and the gates say one thing.
        result=rule_results(initiative, ["every_dimension_assessed"])["every_dimension_assessed"],
    )


@bp.route("/assessments/new", methods=["GET", "POST"])
@login_required
def new_assessment(slug: str, initiative_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id, Action.CONTRIBUTE)
    form = assessment_form()
    if request.method == "GET":
        _prefill_targets(form, initiative)

    def record() -> MaturityAssessment:
        scores = [
            ops.DimensionScore(d["key"], score.data, target.data, note.data or "")
            for d, score, target, note in form.dimension_fields()
            if score.data
        ]
        return ops.record_assessment(
            initiative, current_user, form.assessed_on.data, scores, summary=form.summary.data or ""
        )

    saved = save(
        form,
        record,
        success="The assessment was recorded.",
        redirect_to=url_for("maturity.assessments", slug=org.slug, initiative_id=initiative.id),
    )
    if saved is not None:
        return saved
    return render_template(
        "maturity/assessment_form.html",
        org=org,
        initiative=initiative,
        form=form,
        levels=maturity_levels(),
    ), form_status()


def _prefill_targets(form: Any, initiative: Initiative) -> None:
    """Targets rarely change between assessments: start from the latest ones."""
    latest = db.session.scalar(
        sa.select(MaturityAssessment)
        .where(MaturityAssessment.initiative_id == initiative.id)
        .order_by(MaturityAssessment.assessed_on.desc(), MaturityAssessment.id.desc())
        .limit(1)
    )
    if latest is None:
        return
    for score in latest.scores:
        field = getattr(form, f"target_{score.dimension}", None)
        if field is not None:
            field.data = score.target


@bp.get("/objectives")
@login_required
def objectives(slug: str, initiative_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id)
    items = list(
        db.session.scalars(
            sa.select(Objective)
            .where(Objective.initiative_id == initiative.id)
            .options(selectinload(Objective.kpis))
            .order_by(Objective.id)
        )
    )
    measurements: dict[int, list[KpiMeasurement]] = {}
    for m in db.session.scalars(
        sa.select(KpiMeasurement)
        .join(Kpi, Kpi.id == KpiMeasurement.kpi_id)
        .where(Kpi.initiative_id == initiative.id)
        .order_by(KpiMeasurement.measured_on.desc())
    ):
        measurements.setdefault(m.kpi_id, []).append(m)
    thresholds = list(
        db.session.scalars(
            sa.select(KpiThreshold)
            .join(ExitCriterion, ExitCriterion.id == KpiThreshold.criterion_id)
            .join(Phase, Phase.id == ExitCriterion.phase_id)
            .where(Phase.initiative_id == initiative.id)
            .options(selectinload(KpiThreshold.criterion).joinedload(ExitCriterion.phase))
            .order_by(KpiThreshold.id)
        )
    )
    # Each threshold's result as its criterion keeps it (the gates show the same).
    evaluated = {
        t.criterion_id: stored_result(t.criterion) or evaluate_threshold(t.criterion)
        for t in thresholds
    }
    return render_template(
        "maturity/objectives.html",
        org=org,
        initiative=initiative,
        objectives=items,
        measurements=measurements,
        thresholds=[(t, evaluated[t.criterion_id]) for t in thresholds],
        results=list(
            rule_results(
                initiative, ["objectives_have_baseline_and_target", "kpis_measured_recently"]
            ).values()
        ),
    )


def _objective(org: Organization, initiative: Initiative, objective_id: int) -> Objective:
    objective = get_objective(org, objective_id)
    if objective.initiative_id != initiative.id:
        from flask import abort

        abort(404)
    return objective


def _kpi(org: Organization, initiative: Initiative, kpi_id: int) -> Kpi:
    kpi = get_kpi(org, kpi_id)
    if kpi.initiative_id != initiative.id:
        from flask import abort

        abort(404)
    return kpi


def _objectives_url(org: Organization, initiative: Initiative) -> str:
    return url_for("maturity.objectives", slug=org.slug, initiative_id=initiative.id)


@bp.route("/objectives/new", methods=["GET", "POST"])
@login_required
def new_objective(slug: str, initiative_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id, Action.CONTRIBUTE)
    form = ObjectiveForm()
    saved = save(
        form,
        lambda: ops.create_objective(
            initiative,
            current_user,
            form.title.data or "",
            ValueDriver(form.value_driver.data),
            form.description.data or "",
        ),
        success=lambda o: f"Objective “{o.title}” saved.",
        redirect_to=_objectives_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(org, initiative, form, "New objective")


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@login_required
def edit_objective(slug: str, initiative_id: int, objective_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id, Action.CONTRIBUTE)
    objective = _objective(org, initiative, objective_id)
    form = ObjectiveForm(obj=objective)
    if request.method == "GET":
        form.version.data = str(objective.version)
        form.value_driver.data = objective.value_driver.value
    saved = save(
        form,
        lambda: ops.update_objective(
            objective,
            current_user,
            form.expected_version(),
            title=form.title.data or "",
            value_driver=ValueDriver(form.value_driver.data),
            description=form.description.data or "",
        ),
        success=lambda o: f"Objective “{o.title}” saved.",
        redirect_to=_objectives_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(org, initiative, form, f"Edit objective: {objective.title}")


@bp.route("/objectives/<int:objective_id>/kpis/new", methods=["GET", "POST"])
@login_required
def new_kpi(slug: str, initiative_id: int, objective_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id, Action.CONTRIBUTE)
    objective = _objective(org, initiative, objective_id)
    form = KpiForm()
    saved = save(
        form,
        lambda: ops.create_kpi(objective, current_user, form.name.data or "", **_kpi_values(form)),
        success=lambda k: f"KPI “{k.name}” saved.",
        redirect_to=_objectives_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(org, initiative, form, f"New KPI for “{objective.title}”")


def _kpi_values(form: KpiForm) -> dict[str, Any]:
    return {
        "unit": form.unit.data or "",
        "direction": Direction(form.direction.data),
        "baseline": _decimal(form.baseline.data),
        "target": _decimal(form.target.data),
        "target_on": form.target_on.data,
    }


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


@bp.route("/kpis/<int:kpi_id>/edit", methods=["GET", "POST"])
@login_required
def edit_kpi(slug: str, initiative_id: int, kpi_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id, Action.CONTRIBUTE)
    kpi = _kpi(org, initiative, kpi_id)
    form = KpiForm(obj=kpi)
    if request.method == "GET":
        form.version.data = str(kpi.version)
        form.direction.data = kpi.direction.value
    saved = save(
        form,
        lambda: ops.update_kpi(
            kpi,
            current_user,
            form.expected_version(),
            name=form.name.data or "",
            **_kpi_values(form),
        ),
        success=lambda k: f"KPI “{k.name}” saved.",
        redirect_to=_objectives_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(org, initiative, form, f"Edit KPI: {kpi.name}")


@bp.route("/kpis/<int:kpi_id>/measurements/new", methods=["GET", "POST"])
@login_required
def new_measurement(slug: str, initiative_id: int, kpi_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id, Action.CONTRIBUTE)
    kpi = _kpi(org, initiative, kpi_id)
    form = MeasurementForm()
    saved = save(
        form,
        lambda: ops.record_measurement(
            kpi,
            current_user,
            form.measured_on.data or date.today(),
            Decimal(form.value.data),
            note=form.note.data or "",
        ),
        success=lambda m: (
            f"Measurement of “{kpi.name}” on {day(m.measured_on)} saved:"
            f" {number(m.value, kpi.unit)}."
        ),
        redirect_to=_objectives_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(org, initiative, form, f"New measurement: {kpi.name} ({kpi.unit})")


@bp.route("/thresholds/new", methods=["GET", "POST"])
@login_required
def new_threshold(slug: str, initiative_id: int) -> ResponseReturnValue:
    org, initiative = _load(slug, initiative_id, Action.MANAGE)
    form = ThresholdForm()
    kpis = list(
        db.session.scalars(
            sa.select(Kpi).where(Kpi.initiative_id == initiative.id).order_by(Kpi.id)
        )
    )
    phases = [p for p in initiative.phases if p.status != PhaseStatus.COMPLETE]
    form.kpi_id.choices = [SelectChoice(k.id, f"{k.name} ({k.unit})") for k in kpis]
    form.phase.choices = [SelectChoice(str(p.id), PHASE_TITLES[p.kind]) for p in phases]

    def add_threshold() -> KpiThreshold:
        kpi = next(k for k in kpis if k.id == form.kpi_id.data)
        phase = next(p for p in phases if str(p.id) == form.phase.data)
        return ops.add_kpi_threshold(
            phase,
            current_user,
            kpi,
            Comparator(form.comparator.data),
            Decimal(form.threshold.data),
            int(form.window_days.data or 0),
        )

    saved = save(
        form,
        add_threshold,
        success=lambda t: f"KPI threshold “{t.criterion.title}” saved.",
        redirect_to=_objectives_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(
        org,
        initiative,
        form,
        "New KPI-threshold exit criterion",
        intro="The criterion is evaluated from the KPI's measurements: met while there is a "
        "measurement in the window and every one passes the threshold.",
    )
