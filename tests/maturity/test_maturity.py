"""Assessments, objectives, KPIs, measurements, KPI thresholds: forms, operations and rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.catalog import maturity_dimensions
from governance.enums import Comparator, Direction, ValueDriver
from governance.errors import DomainError
from governance.gates.models import ExitCriterion
from governance.gates.rules import evaluate
from governance.maturity import operations as maturity
from governance.maturity import operations as objectives
from governance.maturity.models import (
    Kpi,
    KpiMeasurement,
    KpiThreshold,
    MaturityAssessment,
    MaturityScore,
    Objective,
)
from governance.maturity.rules import evaluate_threshold
from governance.permissions import Action, someone_who_may
from tests.maturity.factories import scores

TODAY = date.today()


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _by(record):
    """Who acts: a leader of the record's organization (the operations check the right)."""
    return someone_who_may(Action.MANAGE, record.organization_id)


def _base(world):
    return f"/orgs/acme-freight/initiatives/{world['initiative'].id}"


def test_the_maturity_model_is_data_with_five_levels_and_a_rubric():
    dims = maturity_dimensions()
    assert len(dims) == 8 and all(set(d["rubric"]) == {1, 2, 3, 4, 5} for d in dims)


def _assessment_data(level="3", **extra):
    data = {"assessed_on": TODAY.isoformat(), "summary": "Quarterly review"}
    for d in maturity_dimensions():
        data[f"score_{d['key']}"] = level
        data[f"target_{d['key']}"] = "4"
        data[f"note_{d['key']}"] = "seen in the runbooks"
    data.update(extra)
    return data


def test_a_contributor_records_assessments_and_history_is_kept(world, as_user, db):
    client = as_user(world["users"]["contributor"])
    base = _base(world)
    assert client.get(f"{base}/assessments/new").status_code == 200
    assert client.post(f"{base}/assessments/new", data=_assessment_data("2")).status_code == 302
    assert client.post(f"{base}/assessments/new", data=_assessment_data("3")).status_code == 302
    assert _count(db, MaturityAssessment) == 2
    assert sorted(s.score for s in db.session.scalars(sa.select(MaturityScore)))[0] == 2
    page = client.get(f"{base}/assessments").get_data(as_text=True)
    assert "Quarterly review" in page and "Defined" in page
    assert evaluate("every_dimension_assessed", world["initiative"]).passed


@pytest.mark.parametrize(
    "data,message",
    [
        (_assessment_data("", **{}), "Score at least one dimension."),
        (_assessment_data("7"), "Not a valid choice"),
        (_assessment_data(assessed_on=(TODAY + timedelta(days=3)).isoformat()), "in the future"),
        (_assessment_data(assessed_on="yesterday"), "Not a valid date"),
    ],
)
def test_a_bad_assessment_is_refused_and_saves_nothing(world, as_user, db, data, message):
    before = _count(db, AuditEvent)
    response = as_user(world["users"]["leader"]).post(f"{_base(world)}/assessments/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db, MaturityAssessment) == 0 and _count(db, AuditEvent) == before


def test_every_dimension_assessed_names_the_missing_dimensions(world, db):
    initiative = world["initiative"]
    assert (
        "no maturity assessment"
        in evaluate("every_dimension_assessed", initiative).failures[0].reason
    )
    partial = scores(3)[:6]
    maturity.record_assessment(initiative, world["users"]["contributor"], TODAY, partial)
    result = evaluate("every_dimension_assessed", initiative)
    assert [f.record for f in result.failures] == ["Operations", "Knowledge and people"]
    with pytest.raises(DomainError, match="not a dimension"):
        maturity.record_assessment(
            initiative, world["users"]["contributor"], TODAY, [maturity.DimensionScore("x", 3)]
        )


def _kpi(initiative, baseline=Decimal(71), target=Decimal(92)):
    objective = objectives.create_objective(
        initiative, _by(initiative), "Catch fraud", ValueDriver.RISK
    )
    return objectives.create_kpi(
        objective,
        _by(objective),
        "Catch rate",
        unit="%",
        direction=Direction.INCREASE,
        baseline=baseline,
        target=target,
    )


def test_objective_kpi_and_measurement_forms(world, as_user, db):
    client = as_user(world["users"]["contributor"])
    base = _base(world)
    assert (
        client.post(
            f"{base}/objectives/new", data={"title": "Cut losses", "value_driver": "cost"}
        ).status_code
        == 302
    )
    objective = db.session.scalar(sa.select(Objective))
    kpi_data = {
        "name": "Loss per parcel",
        "unit": "EUR",
        "direction": "decrease",
        "baseline": "4.10",
        "target": "2.5",
    }
    assert (
        client.post(f"{base}/objectives/{objective.id}/kpis/new", data=kpi_data).status_code == 302
    )
    kpi = db.session.scalar(sa.select(Kpi))
    assert kpi.baseline == Decimal("4.1000") and isinstance(kpi.target, Decimal)
    measurement = {"measured_on": TODAY.isoformat(), "value": "3.333"}
    assert (
        client.post(f"{base}/kpis/{kpi.id}/measurements/new", data=measurement).status_code == 302
    )
    assert db.session.scalar(sa.select(KpiMeasurement.value)) == Decimal("3.3330")
    again = client.post(f"{base}/kpis/{kpi.id}/measurements/new", data=measurement)
    assert again.status_code == 400 and "already has a measurement" in again.get_data(as_text=True)
    page = client.get(f"{base}/objectives").get_data(as_text=True)
    assert "Loss per parcel" in page and "3.33" in page  # two decimals at most (web/formats.py)
    assert evaluate("objectives_have_baseline_and_target", world["initiative"]).passed
    assert evaluate("kpis_measured_recently", world["initiative"]).passed


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "", "unit": "%", "direction": "increase"}, "This field is required"),
        (
            {
                "name": "Rate",
                "unit": "%",
                "direction": "increase",
                "baseline": "80",
                "target": "70",
            },
            "target must be above",
        ),
        (
            {"name": "Rate", "unit": "%", "direction": "decrease", "baseline": "5", "target": "9"},
            "target must be below",
        ),
        (
            {"name": "Rate", "unit": "%", "direction": "increase", "baseline": "abc"},
            "Not a valid decimal",
        ),
        (
            {"name": "Rate", "unit": "%", "direction": "increase", "target": "1e20"},
            "smaller number",
        ),
        ({"name": "Rate", "unit": "%", "direction": "sideways"}, "Not a valid choice"),
    ],
)
def test_a_bad_kpi_is_refused_and_saves_nothing(world, as_user, db, data, message):
    objective = objectives.create_objective(
        world["initiative"], _by(world["initiative"]), "Grow", ValueDriver.REVENUE
    )
    db.session.commit()
    response = as_user(world["users"]["leader"]).post(
        f"{_base(world)}/objectives/{objective.id}/kpis/new", data=data
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db, Kpi) == 0


def test_objective_rules_name_what_is_missing_or_stale(world, db):
    initiative = world["initiative"]
    assert (
        "no business objective"
        in evaluate("objectives_have_baseline_and_target", initiative).failures[0].reason
    )
    kpi = _kpi(initiative, target=None)
    failures = evaluate("objectives_have_baseline_and_target", initiative).failures
    assert failures[0].reason == "has no target"
    assert (
        evaluate("kpis_measured_recently", initiative).failures[0].reason
        == "has never been measured"
    )
    objectives.record_measurement(kpi, _by(kpi), TODAY - timedelta(days=91), Decimal(80))
    assert "last measured" in evaluate("kpis_measured_recently", initiative).failures[0].reason
    objectives.record_measurement(kpi, _by(kpi), TODAY - timedelta(days=89), Decimal(81))
    assert evaluate("kpis_measured_recently", initiative).passed


def test_a_kpi_threshold_criterion_is_evaluated_from_the_measurements(world, db):
    initiative = world["initiative"]
    kpi = _kpi(initiative)
    phase = initiative.phases[-1]
    limit = objectives.add_kpi_threshold(
        phase, _by(phase), kpi, Comparator.AT_LEAST, Decimal(92), 30
    )
    criterion = db.session.get(ExitCriterion, limit.criterion_id)
    assert criterion.rule == "kpi_threshold" and "≥ 92%" in criterion.title
    assert criterion.position == len(phase.criteria)  # appended after the seed criteria
    assert "no measurement" in evaluate_threshold(criterion).failures[0].reason
    for days, value in ((40, 85), (20, 93.5), (10, 91.9), (1, 94)):
        objectives.record_measurement(
            kpi, _by(kpi), TODAY - timedelta(days=days), Decimal(str(value))
        )
    result = evaluate_threshold(criterion)
    assert not result.passed and len(result.failures) == 1  # 85 is outside the window
    assert "91.9 % is not ≥ 92" in result.failures[0].reason
    assert not evaluate("kpi_threshold", initiative).passed
    db.session.execute(sa.update(KpiMeasurement).where(KpiMeasurement.value < 92).values(value=92))
    assert evaluate_threshold(criterion).passed
    assert evaluate("kpi_threshold", initiative).passed


def test_each_threshold_criterion_is_judged_by_its_own_threshold(world, db):
    from governance.gates.assessment import assess

    initiative = world["initiative"]
    kpi = _kpi(initiative)
    strict = objectives.add_kpi_threshold(
        initiative.phases[-1], _by(initiative.phases[-1]), kpi, Comparator.AT_LEAST, Decimal(99), 30
    )
    lenient = objectives.add_kpi_threshold(
        initiative.phases[0], _by(initiative.phases[0]), kpi, Comparator.AT_LEAST, Decimal(50), 30
    )
    objectives.record_measurement(kpi, _by(kpi), TODAY - timedelta(days=2), Decimal(90))
    db.session.flush()
    states = {
        s.criterion.id: s
        for s in assess(initiative.phases[0].criteria + initiative.phases[-1].criteria, initiative)
    }
    assert not states[lenient.criterion_id].is_open  # 90 ≥ 50, whatever the other threshold says
    assert states[strict.criterion_id].is_open


def test_threshold_form_is_for_managers_and_refuses_bad_windows(world, as_user, db):
    kpi = _kpi(world["initiative"])
    db.session.commit()
    phase = world["initiative"].phases[-1]
    data = {
        "kpi_id": str(kpi.id),
        "comparator": "at_most",
        "threshold": "8",
        "window_days": "28",
        "phase": str(phase.id),
    }
    url = f"{_base(world)}/thresholds/new"
    assert as_user(world["users"]["contributor"]).post(url, data=data).status_code == 403
    bad = as_user(world["users"]["pmo"]).post(url, data={**data, "window_days": "0"})
    assert bad.status_code == 400 and _count(db, KpiThreshold) == 0
    assert as_user(world["users"]["pmo"]).post(url, data=data).status_code == 302
    assert db.session.scalar(sa.select(KpiThreshold.window_days)) == 28


def _page_queries(app, db, client, path):
    db.session.remove()  # a request starts with an empty session
    queries = []

    def count(*args):
        queries.append(args)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(queries)


def test_the_initiative_page_issues_as_many_queries_for_1_and_5_kpi_thresholds(
    world, app, as_user, db
):
    initiative = world["initiative"]
    path, phases = _base(world), list(initiative.phases)
    kpi = _kpi(initiative)
    objectives.record_measurement(kpi, _by(kpi), TODAY - timedelta(days=3), Decimal(90))
    objectives.add_kpi_threshold(
        phases[-1], _by(phases[-1]), kpi, Comparator.AT_LEAST, Decimal(92), 30
    )
    db.session.commit()
    initiative_id, kpi_id = initiative.id, kpi.id  # the page below loads neither any more
    client = as_user(world["users"]["contributor"])
    assert client.get(path).status_code == 200
    one = _page_queries(app, db, client, path)
    initiative = db.session.get(type(initiative), initiative_id)
    phases, kpi = list(initiative.phases), db.session.get(Kpi, kpi_id)
    for phase, comparator in zip(
        phases,
        (Comparator.AT_MOST, Comparator.ABOVE, Comparator.BELOW, Comparator.AT_LEAST),
        strict=False,
    ):
        objectives.add_kpi_threshold(phase, _by(phase), kpi, comparator, Decimal(91), 7)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiThreshold)) == 5
    assert _page_queries(app, db, client, path) == one


def test_thresholds_evaluated_together_match_each_evaluated_alone(world, db):
    from governance.maturity.rules import evaluate_thresholds

    initiative = world["initiative"]
    kpi, other = _kpi(initiative), _kpi(initiative)
    phases = list(initiative.phases)
    limits = [
        objectives.add_kpi_threshold(
            phases[0], _by(phases[0]), kpi, Comparator.AT_LEAST, Decimal(92), 30
        ),
        objectives.add_kpi_threshold(
            phases[0], _by(phases[0]), kpi, Comparator.AT_MOST, Decimal(93), 5
        ),
        objectives.add_kpi_threshold(
            phases[1], _by(phases[1]), kpi, Comparator.ABOVE, Decimal("91.9"), 60
        ),
        objectives.add_kpi_threshold(
            phases[1], _by(phases[1]), other, Comparator.BELOW, Decimal(80), 30
        ),
        objectives.add_kpi_threshold(
            phases[-1], _by(phases[-1]), other, Comparator.AT_LEAST, Decimal(1), 1
        ),
    ]
    for days, value in ((40, 85), (20, 93.5), (10, 91.9), (1, 94), (0, 92)):
        objectives.record_measurement(
            kpi, _by(kpi), TODAY - timedelta(days=days), Decimal(str(value))
        )
    objectives.record_measurement(other, _by(other), TODAY - timedelta(days=12), Decimal(79))
    db.session.flush()
    criteria = [db.session.get(ExitCriterion, limit.criterion_id) for limit in limits]
    together = evaluate_thresholds(criteria)
    alone = {c.id: evaluate_threshold(c) for c in criteria}
    assert together == alone
    assert [r.passed for r in alone.values()] == [False, False, False, True, False]
    assert "no measurement in the last 1 days" in alone[criteria[-1].id].failures[0].reason
