"""Issue 14 §1: a rule's result is kept on its criterion, true to the data and to the date.

The result is written with the data the rule reads, in the same transaction (a lineage edge
upstream of another initiative's model included); a result that the date alone makes wrong (a
KPI's freshness window running out) is evaluated again by the next request; and keeping a
result is not an edit (no version bump, no audit event).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.enums import ArtifactKind, CriterionStatus, Direction, EdgeKind, ValueDriver
from governance.extensions import db as _db
from governance.gates import state
from governance.gates.models import ExitCriterion, Phase
from governance.gates.rules import evaluate, evaluate_criteria, load_rules
from governance.lineage import operations as lineage
from governance.maturity import operations as maturity
from governance.portfolio.models import Initiative


def _criterion(initiative: Initiative, rule: str) -> ExitCriterion:
    found = _db.session.scalar(
        sa.select(ExitCriterion)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(Phase.initiative_id == initiative.id, ExitCriterion.rule == rule)
    )
    assert found is not None
    return found


def _state_in_sql(criterion_id: int) -> CriterionStatus:
    """What every SQL aggregate reads (the portfolio, the dashboards)."""
    return CriterionStatus(
        _db.session.scalar(sa.select(ExitCriterion.state).where(ExitCriterion.id == criterion_id))
    )


def test_a_kpi_going_stale_opens_its_criterion_on_the_next_request(
    world, db, as_user, token_for, monkeypatch
):
    leader = world["users"]["leader"]
    initiative = world["initiative"]
    criterion = _criterion(initiative, "kpis_measured_recently")
    assert _state_in_sql(criterion.id) == CriterionStatus.OPEN  # no KPI yet
    version = criterion.version
    objective = maturity.create_objective(initiative, leader, "Cut losses", ValueDriver.COST)
    kpi = maturity.create_kpi(
        objective,
        leader,
        "Loss rate",
        unit="%",
        direction=Direction.DECREASE,
        baseline=Decimal(10),
        target=Decimal(5),
    )
    measured = date.today() - timedelta(days=80)
    maturity.record_measurement(kpi, leader, measured, Decimal(8))
    db.session.commit()
    # Kept with the measurement, in its transaction, and read the same way in SQL.
    assert _state_in_sql(criterion.id) == CriterionStatus.MET
    db.session.refresh(criterion)
    assert criterion.rule_holds_until == measured + timedelta(days=90)
    # A derived fact, not an edit: nobody's open form of the criterion goes stale, no audit.
    assert criterion.version == version
    assert not db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.record_type == "exit_criterion", AuditEvent.field.like("rule_%"))
    )

    class Later(date):
        @classmethod
        def today(cls) -> date:  # eleven days on: the measurement is 91 days old
            return date.today() + timedelta(days=11)

    monkeypatch.setattr(state, "date", Later)
    headers = token_for(leader)
    client = as_user(leader)
    answer = client.get(
        f"/api/v1/orgs/{world['org'].slug}/initiatives/{initiative.id}/criteria", headers=headers
    )
    foreign = client.get(
        f"/api/v1/orgs/{world['org'].slug}/initiatives/{world['other_initiative'].id}/criteria",
        headers=headers,
    )
    assert foreign.status_code == 404  # another organization's initiative is not found here
    shown = next(item for item in answer.json["items"] if item["id"] == criterion.id)
    assert shown["status"] == "open"
    assert "last measured on" in shown["failures"][0]["reason"]
    db.session.expire_all()
    assert _state_in_sql(criterion.id) == CriterionStatus.OPEN


def test_an_edge_upstream_reaches_the_model_of_another_initiative(world, db, make_initiative):
    """source -> dataset (no initiative) -> model of the initiative: adding the first edge,
    which names neither the model nor its initiative, meets the initiative's lineage rule."""
    leader, org = world["users"]["leader"], world["org"]
    initiative = world["initiative"]
    criterion = _criterion(initiative, "models_have_lineage_to_source")

    def artifact(kind: ArtifactKind, name: str, initiative_id: int | None = None):
        data = lineage.ArtifactInput("test", name, initiative_id=initiative_id)
        return lineage.register_artifact(org, leader, kind, data)

    source = artifact(ArtifactKind.DATA_SOURCE, "orders")
    dataset = artifact(ArtifactKind.DATASET, "orders_clean")
    model = artifact(ArtifactKind.MODEL, "fraud", initiative.id)
    lineage.add_edge(dataset, model, EdgeKind.TRAINED_ON, leader)
    db.session.commit()
    assert _state_in_sql(criterion.id) == CriterionStatus.OPEN
    lineage.add_edge(source, dataset, EdgeKind.DERIVED_FROM, leader)
    db.session.commit()
    assert _state_in_sql(criterion.id) == CriterionStatus.MET


def test_every_rule_that_reads_the_date_says_until_when_its_result_holds(demo_data, db):
    """On the demo: a result that changes with nothing but the date must have said so, with a
    day before the change (the kept result is evaluated again once that day is past)."""
    today = date.today()
    later = [today + timedelta(days=181)]  # past the KPI (90) and rollback (180) windows

    def seen(result):
        return result.passed, sorted((f.record, f.reason) for f in result.failures)

    silent = []
    for initiative in db.session.scalars(sa.select(Initiative)):
        for name in load_rules():
            now = evaluate(name, initiative, today)
            for day in later:
                if seen(evaluate(name, initiative, day)) != seen(now) and not (
                    now.holds_until is not None and now.holds_until < day
                ):
                    silent.append(f"{name} on {initiative.name}: changes by {day}")
                    break
    criteria = list(
        db.session.scalars(sa.select(ExitCriterion).where(ExitCriterion.rule == "kpi_threshold"))
    )
    now_all = evaluate_criteria(criteria, today)
    for day in later:
        then = evaluate_criteria(criteria, day)
        for c in criteria:
            held = now_all[c.id].holds_until
            if seen(then[c.id]) != seen(now_all[c.id]) and not (held is not None and held < day):
                silent.append(f"kpi_threshold of criterion {c.id}: changes by {day}")
    assert not silent, silent


def test_refresh_criteria_checks_and_mends_the_kept_results(world, db, runner):
    criterion = _criterion(world["initiative"], "every_dimension_assessed")
    assert runner.invoke(args=["refresh-criteria", "--check"]).exit_code == 0
    table = ExitCriterion.__table__
    db.session.execute(table.update().where(table.c.id == criterion.id).values(rule_passed=True))
    db.session.commit()
    checked = runner.invoke(args=["refresh-criteria", "--check"])
    assert checked.exit_code == 1
    assert "Maturity assessed on every dimension" in checked.output
    assert "kept as passing, its rule says failing" in checked.output
    mended = runner.invoke(args=["refresh-criteria", "--all"])
    assert mended.exit_code == 0, mended.output
    assert runner.invoke(args=["refresh-criteria", "--check"]).exit_code == 0
    db.session.expire_all()
    assert _state_in_sql(criterion.id) == CriterionStatus.OPEN


def test_a_session_outside_the_app_marks_its_initiatives_due(world, db):
    """A script's own session cannot run the rules (they read the app's session): what it
    changes is marked due in its transaction, and the next request evaluates it."""
    from sqlalchemy.orm import Session

    criterion = _criterion(world["initiative"], "every_phase_has_owner")
    with Session(db.engine) as script:
        phase = script.get(Phase, criterion.phase_id)
        phase.owner_id = world["users"]["leader"].id
        script.commit()
    db.session.expire_all()
    assert db.session.get(ExitCriterion, criterion.id).rule_holds_until == date(1970, 1, 1)
    assert state.refresh_expired()
    db.session.commit()
    assert db.session.get(ExitCriterion, criterion.id).rule_holds_until is None
