"""The registry of evaluated exit criteria."""

from __future__ import annotations

from governance.gates.rules import RULES, evaluate, load_rules


def test_every_rule_named_in_the_seed_catalog_is_registered_or_reported(app):
    from governance.catalog import load

    load_rules()
    names = {
        c["rule"]
        for phase in load("phases.yaml")["phases"]
        for c in phase["criteria"]
        if c.get("rule")
    }
    assert "every_phase_has_owner" in RULES
    assert names  # the catalog uses rules


def test_every_phase_has_owner_names_the_phases_without_one(world, db):
    initiative = world["initiative"]
    result = evaluate("every_phase_has_owner", initiative)
    assert not result.passed
    assert len(result.failures) == 7
    assert result.failures[0].record == "Objectives phase"
    for phase in initiative.phases:
        phase.owner_id = world["users"]["leader"].id
    db.session.commit()
    assert evaluate("every_phase_has_owner", initiative).passed


def test_an_unknown_rule_fails_with_a_reason(world):
    result = evaluate("no_such_rule", world["initiative"])
    assert not result.passed
    assert "not known" in result.failures[0].reason
