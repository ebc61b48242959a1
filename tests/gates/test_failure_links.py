"""Rules name the records that fail; the web turns them into links (governance/web/links.py)."""

from __future__ import annotations

import pytest
from flask import render_template_string

from governance.enums import ArtifactKind, CriterionStatus
from governance.gates.assessment import CriterionState
from governance.gates.rules import Failure, RecordRef, RuleResult, evaluate
from governance.lineage import operations as lineage_ops
from governance.web.links import record_url


@pytest.mark.parametrize(
    ("ref", "path"),
    [
        (RecordRef("lineage_artifact", 7), "/orgs/acme/lineage/7"),
        (RecordRef("decision", 12), "/orgs/acme/decisions/12"),
        (
            RecordRef("missing_decision", 3, "roadmap_refinement"),
            "/orgs/acme/decisions/new?initiative=3&kind=roadmap_refinement",
        ),
        (RecordRef("assessments", 3), "/orgs/acme/initiatives/3/assessments"),
        (RecordRef("objectives", 3), "/orgs/acme/initiatives/3/objectives"),
        (RecordRef("monitor", 5), "/orgs/acme/monitors/5"),
        (RecordRef("incident", 9), "/orgs/acme/incidents/9"),
    ],
)
def test_each_kind_of_record_has_its_page(app, ref, path):
    with app.test_request_context():
        assert record_url(ref, "acme") == path


def test_a_record_without_a_page_has_no_link(app):
    with app.test_request_context():
        assert record_url(None, "acme") is None
        assert record_url(RecordRef("unknown", 1), "acme") is None


def test_a_lineage_rule_names_the_failing_artifact(world, db):
    org, initiative = world["org"], world["initiative"]
    data = lineage_ops.ArtifactInput("t", "m", initiative_id=initiative.id)
    contributor = world["users"]["contributor"]
    model = lineage_ops.register_artifact(org, contributor, ArtifactKind.MODEL, data)
    result = evaluate("models_have_lineage_to_source", initiative)
    assert result.failures[0].about == RecordRef("lineage_artifact", model.id)


def test_the_criteria_list_links_each_failing_record(world, app):
    org, initiative = world["org"], world["initiative"]
    criterion = initiative.phases[0].criteria[0]
    failures = [
        Failure(
            "Model m", "has no lineage back to a data source", RecordRef("lineage_artifact", 5)
        ),
        Failure("Phase", "has no owner"),
    ]
    result = RuleResult("r", "A rule", False, failures)
    state = CriterionState(criterion, CriterionStatus.OPEN, result, evaluated=True)
    with app.test_request_context():
        html = render_template_string(
            '{% from "gates/_criteria.html" import criteria_list with context %}'
            "{{ criteria_list(states, org, initiative) }}",
            states=[state],
            org=org,
            initiative=initiative,
        )
    assert f'<a href="/orgs/{org.slug}/lineage/5">Model m</a>' in html
    assert "<li>Phase — has no owner</li>" in html
