"""Rules that need a decision, the operations' refusals, and the demo decision logs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.decisions import operations as ops
from governance.decisions.chain import verify_organization
from governance.decisions.models import Decision
from governance.enums import DecisionImpact, DecisionStatus, PhaseKind
from governance.errors import DomainError
from governance.gates.rules import evaluate
from governance.portfolio.models import Organization
from governance.web.links import record_url


def _record(world, **kwargs):
    fields = {"title": "t", "context": "c", "decision": "d", **kwargs}
    return ops.record_decision(world["org"], world["users"]["leader"], **fields)


def test_governance_expectations_rule(world, db):
    initiative = world["initiative"]
    result = evaluate("governance_expectations_decided", initiative)
    assert not result.passed and "no accepted decision" in result.failures[0].reason
    assert "kind=governance_expectations" in record_url(result.failures[0].about, "o")
    _record(world, kind="general", initiative=initiative)  # another kind does not count
    entry = _record(
        world, kind="governance_expectations", initiative=initiative, impact=DecisionImpact.HIGH
    )
    db.session.commit()
    pending = evaluate("governance_expectations_decided", initiative)
    assert not pending.passed and "is proposed" in pending.failures[0].reason
    ops.approve_decision(entry, world["users"]["pmo"])
    db.session.commit()
    assert evaluate("governance_expectations_decided", initiative).passed
    ops.change_status(entry, world["users"]["pmo"], DecisionStatus.DEPRECATED, note="redo")
    db.session.commit()
    assert not evaluate("governance_expectations_decided", initiative).passed


def test_roadmap_refined_rule_needs_a_decision_for_the_evaluation_phase(world, db):
    initiative = world["initiative"]
    evaluation = next(p for p in initiative.phases if p.kind == PhaseKind.EVALUATION)
    roadmap = next(p for p in initiative.phases if p.kind == PhaseKind.ROADMAP)
    _record(world, kind="roadmap_refinement", initiative=initiative, phase=roadmap)
    db.session.commit()
    assert not evaluate("roadmap_refined_decided", initiative).passed
    _record(world, kind="roadmap_refinement", initiative=initiative, phase=evaluation)
    db.session.commit()
    assert evaluate("roadmap_refined_decided", initiative).passed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": " "}, "title"),
        ({"context": ""}, "context"),
        ({"decision": ""}, "chosen option"),
        ({"status": DecisionStatus.SUPERSEDED}, "proposed, accepted or rejected"),
        ({"details": {"threshold": 0.92}}, "float"),
        ({"kind": "Not a kind!"}, "kind"),
    ],
)
def test_record_decision_refusals_leave_the_log_unchanged(world, db, kwargs, message):
    with pytest.raises(DomainError, match=message):
        _record(world, **kwargs)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_links_must_belong_to_the_organization(world, db):
    with pytest.raises(DomainError, match="initiative of this organization"):
        _record(world, initiative=world["other_initiative"])
    with pytest.raises(DomainError, match="phase of the chosen initiative"):
        _record(world, phase=world["other_initiative"].phases[0])
    other = ops.record_decision(
        world["other"], world["users"]["outsider"], title="x", context="c", decision="d"
    )
    with pytest.raises(DomainError, match="decision of this organization"):
        _record(world, supersedes=other)


def test_high_impact_rules(world, db):
    entry = _record(world, impact=DecisionImpact.HIGH)
    assert entry.status == DecisionStatus.PROPOSED
    with pytest.raises(DomainError, match="cannot approve your own decision"):
        ops.approve_decision(entry, world["users"]["leader"])
    with pytest.raises(DomainError, match="leader, a PMO or an admin"):
        ops.approve_decision(entry, world["users"]["contributor"])
    with pytest.raises(DomainError, match="second person's approval"):
        ops.change_status(entry, world["users"]["pmo"], DecisionStatus.ACCEPTED)
    approved = ops.approve_decision(entry, world["users"]["admin"])
    assert approved.status == DecisionStatus.ACCEPTED
    # A correction of an approved high-impact decision needs approving again.
    corrected = ops.correct_decision(approved, world["users"]["leader"], note="typo", decision="D")
    assert corrected.status == DecisionStatus.PROPOSED and corrected.approved_by_id is None
    with pytest.raises(DomainError, match="Nothing was changed"):
        ops.correct_decision(corrected, world["users"]["leader"], note="again", decision="D")
    normal = _record(world, status=DecisionStatus.PROPOSED)
    with pytest.raises(DomainError, match="Only high-impact"):
        ops.approve_decision(normal, world["users"]["pmo"])


def test_demo_logs_are_realistic_and_intact(demo_data, db):
    for org in db.session.scalars(sa.select(Organization)):
        first_entries = list(
            db.session.scalars(
                sa.select(Decision).where(
                    Decision.organization_id == org.id, Decision.revises_id.is_(None)
                )
            )
        )
        assert len(first_entries) >= 10, org.slug
        kinds = {d.kind for d in first_entries}
        assert {"architecture", "waiver", "vendor", "governance_expectations"} <= kinds, org.slug
        assert any(d.supersedes_id for d in first_entries), org.slug
        assert any(d.impact == DecisionImpact.HIGH for d in first_entries), org.slug
        approvals = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Decision)
            .where(Decision.organization_id == org.id, Decision.change == "approval")
        )
        assert approvals >= 1, org.slug
        result = verify_organization(org)
        assert result.ok, result.error
        created = list(
            db.session.scalars(
                sa.select(Decision.created_at)
                .where(Decision.organization_id == org.id)
                .order_by(Decision.seq)
            )
        )
        assert created == sorted(created)
