"""Issue 16, "gates read it": the pipelines phase's monitoring and alert-routing criteria are
evaluated from the monitors: every production deployment watched for model performance and
drift by an owned monitor; every active monitor alerting a member who can act on it. Their
kept results follow the monitors, the memberships and the accounts they read."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from governance.database import utcnow
from governance.enums import (
    CriterionStatus,
    Environment,
    MonitorSignal,
    Role,
    SeriousIncidentKind,
    Severity,
)
from governance.gates.rules import RULES, RecordRef, evaluate
from governance.incidents import operations as incidents
from governance.incidents import serious_incidents
from governance.monitoring import operations as monitoring
from governance.people import operations as people
from governance.people.models import Membership
from tests.incidents.operations_helpers import (
    criterion,
    deployment,
    incident,
    monitor,
    reasons,
    state,
    watched,
)

MONITORED = "production_deployments_monitored"
ROUTED = "monitor_alerts_routed"


def test_no_production_deployment_leaves_monitoring_open_and_says_so(world, db):
    initiative = world["initiative"]
    deployment(world, "fraud-api-staging", Environment.STAGING)
    result = evaluate(MONITORED, initiative)
    assert not result.passed and result.empty
    assert result.summary == "Open: no production deployment is registered yet."
    assert not RULES[MONITORED].when_empty.done


def test_a_production_deployment_fails_until_both_monitors_are_active_and_owned(world, db):
    initiative = world["initiative"]
    api = deployment(world)
    db.session.commit()
    result = evaluate(MONITORED, initiative)
    assert reasons(result) == [
        ("Deployment fraud-api", "no active model-performance monitor; no active drift monitor")
    ]
    assert result.failures[0].about == RecordRef("lineage_artifact", api.id)
    monitor(world, api, MonitorSignal.MODEL_PERFORMANCE, "fraud-auc")
    drift = monitor(world, api, MonitorSignal.DRIFT, "fraud-psi", owner=None)
    assert reasons(evaluate(MONITORED, initiative)) == [
        ("Deployment fraud-api", "its drift monitor has no owner")
    ]
    monitoring.update_monitor(drift, world["users"]["pmo"], None, owner_id=world["users"]["pmo"].id)
    assert evaluate(MONITORED, initiative).passed
    assert evaluate(MONITORED, initiative).summary == "Met: every record passes."
    monitoring.update_monitor(drift, world["users"]["pmo"], None, active=False)
    assert reasons(evaluate(MONITORED, initiative)) == [
        ("Deployment fraud-api", "no active drift monitor")
    ]


def test_only_production_deployments_of_the_initiative_need_monitors(world, db):
    initiative = world["initiative"]
    watched(world, deployment(world))
    deployment(world, "fraud-api-staging", Environment.STAGING)  # not in production: not asked
    other = world["other_initiative"]
    assert evaluate(MONITORED, initiative).passed
    assert evaluate(MONITORED, initiative).checked == 1
    # A data-quality monitor is not a drift monitor.
    second = deployment(world, "fraud-batch")
    monitor(world, second, MonitorSignal.DATA_QUALITY, "batch-nulls")
    monitor(world, second, MonitorSignal.MODEL_PERFORMANCE, "batch-auc")
    assert reasons(evaluate(MONITORED, initiative)) == [
        ("Deployment fraud-batch", "no active drift monitor")
    ]
    assert evaluate(MONITORED, other).empty  # another organization's initiative: none of these


def test_alerts_need_a_monitor_first(world):
    result = evaluate(ROUTED, world["initiative"])
    assert not result.passed and result.empty
    assert result.summary == "Open: no monitor is set up on this initiative's deployments yet."


def test_each_monitor_alerting_nobody_or_someone_who_cannot_act_is_named(world, db):
    initiative = world["initiative"]
    api = deployment(world, "fraud-api", Environment.STAGING)  # every deployment's monitors
    monitor(world, api, MonitorSignal.MODEL_PERFORMANCE, "fraud-auc")
    nobody = monitor(world, api, MonitorSignal.DRIFT, "fraud-psi", owner=None)
    audited = monitor(world, api, MonitorSignal.DATA_QUALITY, "fraud-nulls", owner="auditor")
    leaving = monitor(world, api, MonitorSignal.AVAILABILITY, "fraud-up", owner="pmo")
    db.session.commit()
    assert evaluate(ROUTED, initiative).checked == 4
    people.remove_membership(
        db.session.scalar(
            db.select(Membership).where(Membership.user_id == world["users"]["pmo"].id)
        )
    )
    result = evaluate(ROUTED, initiative)
    auditor, pmo = world["users"]["auditor"].name, world["users"]["pmo"].name
    assert reasons(result) == [
        (
            "Monitor Fraud nulls (fraud-nulls)",
            f"alerts {auditor}, an auditor, who cannot act on an alert",
        ),
        ("Monitor Fraud psi (fraud-psi)", "has no owner: its alerts reach nobody"),
        (
            "Monitor Fraud up (fraud-up)",
            f"alerts {pmo}, who is no longer a member of this organization",
        ),
    ]
    assert [f.about for f in result.failures] == [
        RecordRef("monitor", audited.id),
        RecordRef("monitor", nobody.id),
        RecordRef("monitor", leaving.id),
    ]
    for stopped in (nobody, audited, leaving):
        stopped.active = False  # an inactive monitor alerts nobody: not asked
    assert evaluate(ROUTED, initiative).passed


def test_a_deactivated_owner_fails_the_routing(world, db):
    api = deployment(world)
    monitor(world, api, MonitorSignal.DRIFT, "fraud-psi", owner="contributor")
    people.set_active(world["users"]["contributor"], False, world["users"]["admin"])
    name = world["users"]["contributor"].name
    assert reasons(evaluate(ROUTED, world["initiative"])) == [
        ("Monitor Fraud psi (fraud-psi)", f"alerts {name}, whose account is deactivated")
    ]


# ---- the kept result follows the data --------------------------------------------------------


def test_adding_monitors_meets_the_kept_criteria_in_their_transaction(world, db):
    initiative = world["initiative"]
    monitored = criterion(initiative, MONITORED)
    routed = criterion(initiative, ROUTED)
    assert state(monitored.id) == CriterionStatus.OPEN
    api = deployment(world)
    db.session.commit()
    assert state(monitored.id) == CriterionStatus.OPEN
    watched(world, api)
    db.session.commit()
    assert state(monitored.id) == CriterionStatus.MET
    assert state(routed.id) == CriterionStatus.MET
    # The deployment leaves production: nothing in production is watched any more.
    api.environment = Environment.STAGING
    db.session.commit()
    assert state(monitored.id) == CriterionStatus.OPEN


def test_an_owner_made_auditor_or_deactivated_reopens_alert_routing(world, db):
    initiative = world["initiative"]
    routed = criterion(initiative, ROUTED)
    watched(world, deployment(world))
    db.session.commit()
    assert state(routed.id) == CriterionStatus.MET
    contributor = world["users"]["contributor"]
    people.set_membership(contributor, world["org"], Role.AUDITOR)
    db.session.commit()
    assert state(routed.id) == CriterionStatus.OPEN
    people.set_membership(contributor, world["org"], Role.CONTRIBUTOR)
    db.session.commit()
    assert state(routed.id) == CriterionStatus.MET
    people.set_active(contributor, False, world["users"]["admin"])
    db.session.commit()
    assert state(routed.id) == CriterionStatus.OPEN


def test_a_member_removed_reopens_alert_routing(world, db):
    initiative = world["initiative"]
    routed = criterion(initiative, ROUTED)
    watched(world, deployment(world))
    db.session.commit()
    assert state(routed.id) == CriterionStatus.MET
    people.remove_membership(
        db.session.scalar(
            db.select(Membership).where(Membership.user_id == world["users"]["contributor"].id)
        )
    )
    db.session.commit()
    assert state(routed.id) == CriterionStatus.OPEN


def _queries(db, run) -> int:
    seen: list[object] = []

    def count(*args):
        seen.append(args)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_each_operations_rule_issues_as_many_queries_for_one_record_as_for_many(world, db):
    names = [
        MONITORED,
        ROUTED,
        "no_open_major_incident",
        "mttr_within_target",
        "serious_incidents_reported_in_time",
    ]

    def add(n: int) -> None:
        api = deployment(world, f"api-{n}")
        watched(world, api, f"api-{n}")
        detected = utcnow() - timedelta(days=3)
        found = incident(world, api, Severity.SEV1, f"Down {n}", detected_at=detected)
        serious_incidents.mark_serious(
            found, world["users"]["leader"], SeriousIncidentKind.STANDARD
        )
        incidents.resolve(found, world["users"]["contributor"], detected + timedelta(hours=9))
        incident(world, api, Severity.SEV2, f"Slow {n}")

    def counts() -> dict[str, int]:
        db.session.commit()
        db.session.expire_all()
        initiative = world["initiative"]
        return {name: _queries(db, lambda n=name: evaluate(n, initiative)) for name in names}

    add(1)
    one = counts()
    for n in range(2, 6):
        add(n)
    many = counts()
    assert one == many
    assert all(not evaluate(n, world["initiative"]).passed for n in names[2:4])
