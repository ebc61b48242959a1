"""Who may do what is decided in governance/permissions.py alone, and everything asks it: the
operations themselves (so web, API, CLI and seed cannot differ), the review queue's SQL, the
token scoping of the API and the loaders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from governance import loaders
from governance.audit import AuditEvent
from governance.decisions import operations as decision_ops
from governance.decisions.models import Decision
from governance.enums import (
    ArtifactKind,
    CheckpointStatus,
    Comparator,
    DecisionImpact,
    DecisionStatus,
    Direction,
    EdgeKind,
    RiskCategory,
    ValueDriver,
)
from governance.errors import NotAllowed
from governance.extensions import db
from governance.gates import checkpoints as checkpoint_ops
from governance.gates import criteria as criteria_ops
from governance.gates import phases as phase_ops
from governance.gates.models import Checkpoint, ExitCriterion
from governance.lineage import operations as lineage_ops
from governance.lineage.models import LineageArtifact, LineageEdge
from governance.maturity import operations as maturity_ops
from governance.maturity.models import Kpi, Objective
from governance.people.operations import create_token, remove_membership
from governance.permissions import Action, can, checkpoints_to_decide
from governance.risks import operations as risk_ops
from governance.risks.models import Risk
from tests.gates.helpers import meet_all
from tests.scene import build_scene

TODAY = date.today()


@pytest.fixture
def scene(world: dict[str, Any]) -> dict[str, Any]:
    ids = build_scene(world)
    get = db.session.get
    return {
        **world,
        "checkpoint": get(Checkpoint, ids["checkpoint"]),
        "decision": db.session.scalar(sa.select(Decision).where(Decision.seq == ids["decision"])),
        "criterion": get(ExitCriterion, ids["criterion"]),
        "dataset": get(LineageArtifact, ids["dataset"]),
        "deployment": get(LineageArtifact, ids["deployment"]),
        "edge": get(LineageEdge, ids["edge"]),
        "risk": get(Risk, ids["risk"]),
        "objective": get(Objective, ids["objective"]),
        "kpi": get(Kpi, ids["kpi"]),
    }


# Each operation, called directly by someone whose role may not do it. Before this change only
# the checkpoint operations checked; the others trusted the view that called them.
OPERATIONS = {
    "record a decision": lambda s, by: decision_ops.record_decision(
        s["org"], by, title="t", context="c", decision="d"
    ),
    "change a decision's status": lambda s, by: decision_ops.change_status(
        s["decision"], by, DecisionStatus.REJECTED, note="no"
    ),
    "correct a decision": lambda s, by: decision_ops.correct_decision(
        s["decision"], by, note="typo", title="Another title"
    ),
    "mark a criterion met": lambda s, by: criteria_ops.mark_met(
        s["criterion"], by, evidence_text="x"
    ),
    "reopen a criterion": lambda s, by: criteria_ops.reopen(s["criterion"], by),
    "plan a criterion": lambda s, by: criteria_ops.plan(
        s["criterion"], by, owner_id=None, due_on=TODAY, expected_version=None
    ),
    "name a phase owner": lambda s, by: phase_ops.set_owner(s["initiative"].phases[0], by, None),
    "register an artifact": lambda s, by: lineage_ops.register_artifact(
        s["org"], by, ArtifactKind.DATASET, lineage_ops.ArtifactInput("acme", "x")
    ),
    "edit an artifact": lambda s, by: lineage_ops.update_artifact(
        s["dataset"], by, None, lineage_ops.ArtifactInput("acme", "renamed")
    ),
    "add an edge": lambda s, by: lineage_ops.add_edge(
        s["dataset"], s["deployment"], EdgeKind.FEEDS, by
    ),
    "remove an edge": lambda s, by: lineage_ops.remove_edge(s["edge"], by),
    "write a rollback plan": lambda s, by: lineage_ops.set_rollback_plan(
        s["deployment"],
        by,
        None,
        target_version_id=None,
        procedure="p",
        owner="o",
        last_tested_on=None,
        restore_minutes=None,
    ),
    "add a risk": lambda s, by: risk_ops.create_risk(
        s["org"], by, title="r", category=RiskCategory.VENDOR, likelihood=1, impact=1
    ),
    "edit a risk": lambda s, by: risk_ops.update_risk(
        s["risk"], by, None, title="r", likelihood=1, impact=1
    ),
    "record an assessment": lambda s, by: maturity_ops.record_assessment(
        s["initiative"], by, TODAY, [maturity_ops.DimensionScore("strategy", 3)]
    ),
    "add an objective": lambda s, by: maturity_ops.create_objective(
        s["initiative"], by, "o", ValueDriver.COST
    ),
    "edit an objective": lambda s, by: maturity_ops.update_objective(
        s["objective"], by, None, title="o", value_driver=ValueDriver.COST, description=""
    ),
    "add a KPI": lambda s, by: maturity_ops.create_kpi(
        s["objective"], by, "k", unit="%", direction=Direction.INCREASE
    ),
    "edit a KPI": lambda s, by: maturity_ops.update_kpi(
        s["kpi"],
        by,
        None,
        name="k",
        unit="%",
        direction=Direction.INCREASE,
        baseline=None,
        target=None,
        target_on=None,
    ),
    "record a measurement": lambda s, by: maturity_ops.record_measurement(
        s["kpi"], by, TODAY, Decimal(1)
    ),
}


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("role", ["auditor", "outsider"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_an_operation_refuses_whoever_may_not_do_it(scene, operation, role):
    before = _audit_count()
    with pytest.raises(NotAllowed):
        OPERATIONS[operation](scene, scene["users"][role])
    db.session.rollback()
    assert _audit_count() == before


def test_only_a_manager_adds_a_kpi_threshold(scene):
    phase, kpi = scene["initiative"].phases[-1], scene["kpi"]
    with pytest.raises(NotAllowed, match="leader, PMO or admin"):
        maturity_ops.add_kpi_threshold(
            phase, scene["users"]["contributor"], kpi, Comparator.AT_LEAST, Decimal(1), 30
        )
    limit = maturity_ops.add_kpi_threshold(
        phase, scene["users"]["pmo"], kpi, Comparator.AT_LEAST, Decimal(1), 30
    )
    assert limit.kpi_id == kpi.id


def test_a_contributor_may_not_approve_and_the_refusal_is_not_allowed(scene):
    with pytest.raises(NotAllowed, match="leader, a PMO or an admin"):
        decision_ops.approve_decision(scene["decision"], scene["users"]["contributor"])


# ---- never one's own ------------------------------------------------------------------------


def _requested_by(scene: dict[str, Any], role: str) -> Checkpoint:
    """A pending checkpoint of the second phase, requested by `role`."""
    initiative, users = scene["initiative"], scene["users"]
    pmo = users["pmo"]
    checkpoint_ops.decide(scene["checkpoint"], pmo, "approved", "")
    meet_all(initiative.phases[1].criteria, users["contributor"])
    checkpoint = checkpoint_ops.request_phase_checkpoint(initiative.phases[1], users[role], "ok")
    db.session.commit()
    return checkpoint


@pytest.mark.parametrize("role", ["admin", "leader", "pmo"])
def test_nobody_decides_their_own_checkpoint_not_even_an_admin(scene, role):
    checkpoint = _requested_by(scene, role)
    assert not can(scene["users"][role], Action.DECIDE_CHECKPOINT, checkpoint)
    assert can(scene["users"][role], Action.DECIDE, checkpoint)  # the role alone would allow
    others = [r for r in ("admin", "leader", "pmo") if r != role]
    assert all(can(scene["users"][r], Action.DECIDE_CHECKPOINT, checkpoint) for r in others)
    with pytest.raises(NotAllowed, match="segregation of duties"):
        checkpoint_ops.decide(checkpoint, scene["users"][role], "approved", "")


def test_nobody_approves_their_own_decision(scene):
    leader, pmo = scene["users"]["leader"], scene["users"]["pmo"]
    own = decision_ops.record_decision(
        scene["org"], leader, title="t", context="c", decision="d", impact=DecisionImpact.HIGH
    )
    assert not can(leader, Action.APPROVE_DECISION, own)
    assert can(pmo, Action.APPROVE_DECISION, own)
    # A correction by someone else keeps the first author out: they recorded it.
    corrected = decision_ops.correct_decision(own, pmo, note="typo", decision="D")
    assert not can(leader, Action.APPROVE_DECISION, corrected)
    assert not can(pmo, Action.APPROVE_DECISION, corrected)
    assert can(scene["users"]["admin"], Action.APPROVE_DECISION, corrected)


def test_the_second_person_rule_answers_403_on_the_web_and_the_api(scene, as_user, client):
    leader = scene["users"]["leader"]
    checkpoint = _requested_by(scene, "leader")
    web = as_user(leader).post(
        f"/orgs/acme-freight/checkpoints/{checkpoint.id}/decide",
        data={"outcome": "rejected", "comment": "no"},
    )
    _row, plain = create_token(leader)
    db.session.commit()
    api = client.post(
        f"/api/v1/orgs/acme-freight/checkpoints/{checkpoint.id}/decision",
        json={"outcome": "rejected", "comment": "no"},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert web.status_code == api.status_code == 403
    assert api.get_json()["error"]["code"] == "forbidden"
    db.session.expire_all()
    assert checkpoint.status == CheckpointStatus.PENDING


@pytest.mark.parametrize("role", ["admin", "leader", "pmo", "contributor", "auditor", "outsider"])
def test_the_review_queue_lists_exactly_what_can_says_the_person_may_decide(scene, role):
    _requested_by(scene, "leader")
    user = scene["users"][role]
    everything = list(db.session.scalars(sa.select(Checkpoint)))
    listed = set(db.session.scalars(sa.select(Checkpoint.id).where(*checkpoints_to_decide(user))))
    assert listed == {c.id for c in everything if can(user, Action.DECIDE_CHECKPOINT, c)}


# ---- token scoping and loaders --------------------------------------------------------------


def test_a_scoped_token_of_a_former_member_reaches_nothing(scene, client):
    contributor = scene["users"]["contributor"]
    _row, plain = create_token(contributor, scene["org"])
    remove_membership(contributor.memberships[0])
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    # Lineage and the rest of the API answer the same: the organization is not theirs.
    graph = client.get("/api/v1/lineage?nodeId=dataset:acme:parcels", headers=headers)
    listed = client.get("/api/v1/orgs/acme-freight/initiatives", headers=headers)
    assert graph.status_code == listed.status_code == 404


@pytest.mark.parametrize(
    ("loader", "record"),
    [
        (loaders.get_artifact, "dataset"),
        (loaders.get_edge, "edge"),
        (loaders.get_risk, "risk"),
        (loaders.get_objective, "objective"),
        (loaders.get_kpi, "kpi"),
    ],
)
def test_a_record_of_another_organization_is_not_found_through_this_one(scene, loader, record):
    assert loader(scene["org"], scene[record].id) is scene[record]
    with pytest.raises(NotFound):
        loader(scene["other"], scene[record].id)
