"""What every registered rule declares, and what it answers: over nothing, a criterion is open
and says why unless its rule is declared done-when-empty; and the text of a criterion shows the
parameters its rule uses (one number, one place)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from governance.catalog import load, phase_catalog, stage_gate_catalog
from governance.enums import CriterionStatus
from governance.gates.assessment import assess
from governance.gates.rules import (
    RULES,
    Checked,
    WhenEmpty,
    done_when_empty,
    evaluate,
    load_rules,
    open_when_empty,
    rule,
)
from governance.lineage.rules import ROLLBACK_TEST_DAYS
from governance.maturity.rules import KPI_FRESH_DAYS


def _criteria(initiative):
    return [c for p in initiative.phases for c in p.criteria]


def test_every_rule_declares_what_it_answers_over_nothing(app):
    assert load_rules()
    for name, found in RULES.items():
        assert isinstance(found.when_empty, WhenEmpty), name
        assert found.when_empty.reason.strip(), name


def test_a_rule_cannot_be_registered_without_saying_what_nothing_means():
    with pytest.raises(TypeError):
        rule("forgetful", "Forgets")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="over nothing"):
        rule("vague", "Vague", when_empty=open_when_empty("  "))


@pytest.mark.parametrize("name", sorted(load_rules()))
def test_over_a_new_initiative_no_rule_passes_unless_declared_done(world, name):
    # A new initiative has no model, deployment, KPI, objective, assessment nor decision.
    result = evaluate(name, world["initiative"])
    found = RULES[name]
    assert "every record passes" not in result.summary, (name, result.summary)
    if result.empty:
        assert result.passed is found.when_empty.done
        verdict = "Met" if found.when_empty.done else "Open"
        assert result.summary.startswith(f"{verdict}: ") and len(result.summary) > 10
        assert result.passed or result.failures  # an open result names what is missing
    else:
        assert not result.passed and result.failures  # e.g. the phases without an owner


def test_lineage_and_rollback_criteria_of_a_new_initiative_are_open_and_say_why(world, as_user):
    """Before: "Tested rollback plan" (and versions registered) were met over no deployment."""
    initiative = world["initiative"]
    by_key = {c.key: c for c in _criteria(initiative)}
    states = {s.criterion.key: s for s in assess(list(by_key.values()), initiative)}
    expected = {
        "governance-lineage": "Open: no model or model version is registered yet.",
        "governance-rollback-tested": "Open: no production deployment is registered yet.",
        "governance-versions-registered": "Open: no model version is registered yet.",
    }
    for key, summary in expected.items():
        assert states[key].status == CriterionStatus.OPEN, key
        assert states[key].result is not None and states[key].result.summary == summary
    page = as_user(world["users"]["auditor"]).get(
        f"/orgs/{world['org'].slug}/initiatives/{initiative.id}"
    )
    html = page.get_data(as_text=True)
    for key in expected:
        title = re.escape(by_key[key].title)
        assert re.search(r'class="badge s-open">Open</span> ' + title, html), key


def test_a_rule_declared_done_when_empty_says_so(world, monkeypatch):
    monkeypatch.setitem(RULES, "nothing_to_do", RULES["every_phase_has_owner"])
    rule(
        "nothing_to_do",
        "Every incident has a post-mortem",
        when_empty=done_when_empty("no incident happened, so there is nothing to review"),
    )(lambda initiative, today: Checked(0))
    result = evaluate("nothing_to_do", world["initiative"])
    assert result.passed and result.empty and not result.failures
    assert result.summary == "Met: no incident happened, so there is nothing to review."


def test_a_kpi_threshold_over_no_measurement_is_open_and_says_which_window(world):
    from decimal import Decimal

    from governance.enums import Comparator, Direction, ValueDriver
    from governance.maturity import operations as maturity_ops
    from governance.maturity.rules import evaluate_threshold

    initiative, leader = world["initiative"], world["users"]["leader"]
    objective = maturity_ops.create_objective(initiative, leader, "Catch fraud", ValueDriver.RISK)
    kpi = maturity_ops.create_kpi(
        objective, leader, "Recall", unit="%", direction=Direction.INCREASE
    )
    limit = maturity_ops.add_kpi_threshold(
        initiative.phases[4], leader, kpi, Comparator.AT_LEAST, Decimal(80), window_days=28
    )
    criterion = limit.criterion
    result = evaluate_threshold(criterion, date.today())
    assert not result.passed and result.empty
    assert result.summary == "Open: Recall: no measurement in the last 28 days."


# ---- text and rule agree ----------------------------------------------------------------


def _catalog_criteria(specs):
    return [c for spec in specs for c in spec["criteria"]]


def test_every_rule_with_parameters_shows_them_in_its_title_and_its_criteria_text(app):
    load_rules()
    with_params = {name: r for name, r in RULES.items() if r.params}
    # The rules whose numbers were once written twice (and disagreed): they must be here.
    assert with_params["production_rollback_tested"].params == {"days": ROLLBACK_TEST_DAYS}
    assert with_params["kpis_measured_recently"].params == {"days": KPI_FRESH_DAYS}
    rendered = _catalog_criteria(phase_catalog()) + _catalog_criteria(stage_gate_catalog())
    raw = _catalog_criteria(load("phases.yaml")["phases"] + load("phases.yaml")["stage_gates"])
    for name, found in with_params.items():
        criteria = [c for c in rendered if c.get("rule") == name]
        assert criteria, f"no seeded criterion uses {name}"
        for value in found.params.values():
            number = re.compile(rf"\b{value}\b")
            assert number.search(found.title), (name, found.title)
            for c in criteria:
                assert number.search(c["title"] + " " + c["description"]), (name, c["key"])
        # No other number of days than the rule's in the text of its criteria.
        for c in criteria:
            for days in re.findall(r"(\d+) days", c["title"] + " " + c["description"]):
                assert int(days) in found.params.values(), (name, c["key"], days)
    # Texts of criteria whose rule has no parameter carry no placeholder either.
    assert not any("{" in c["description"] for c in rendered)
    assert any("{days}" in c.get("description", "") for c in raw)  # the catalog names them


def test_new_initiatives_pages_show_the_rule_numbers(world, as_user, db):
    """Before: the rollback text said 90 days (the rule: 180), KPI freshness 30 (the rule: 90)."""
    initiative = world["initiative"]
    by_key = {c.key: c for c in _criteria(initiative)}
    rollback = by_key["governance-rollback-tested"]
    fresh = by_key["evaluation-kpis-measured"]
    assert f"within the last {ROLLBACK_TEST_DAYS} days" in rollback.description
    assert f"in the last {KPI_FRESH_DAYS} days" in fresh.description
    client = as_user(world["users"]["contributor"])
    org = world["org"].slug
    for criterion in (rollback, fresh):
        # The governance and evaluation phases are not the current one: their criteria's text is
        # on each criterion's evidence page.
        page = client.get(
            f"/orgs/{org}/initiatives/{initiative.id}/criteria/{criterion.id}/evidence"
        ).get_data(as_text=True)
        assert criterion.description in page
    assert "90 days" not in rollback.description and "30 days" not in fresh.description


def test_the_migration_rewrites_the_old_seeded_texts(app, db, world):
    import importlib

    migration = importlib.import_module(
        "governance.migrations.versions.0011_criterion_text_from_rule"
    )
    by_key = {c.key: c for c in _criteria(world["initiative"])}
    rendered = {c["key"]: c for c in _catalog_criteria(phase_catalog())}
    for key, rule_name, before, after in migration.TEXTS:
        assert rendered[key]["description"] == after and rendered[key]["rule"] == rule_name
        by_key[key].description = before  # as a database made before this change has it
    untouched = by_key["governance-access-controls"].description
    db.session.commit()
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    with db.engine.begin() as connection:
        operations = Operations(MigrationContext.configure(connection))
        migration.op = operations
        migration.upgrade()
    db.session.expire_all()
    assert {k: by_key[k].description for k, *_ in migration.TEXTS} == {
        key: after for key, _r, _b, after in migration.TEXTS
    }
    assert by_key["governance-access-controls"].description == untouched
