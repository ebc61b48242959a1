"""An incident's life through the operations: times that never run backwards, who did each
step, the timeline, the impact start taken from the monitor's breach, Article 73 deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from governance.database import utcnow
from governance.enums import (
    ArtifactKind,
    Comparator,
    Environment,
    IncidentEventKind,
    IncidentStatus,
    MonitorSignal,
    SeriousIncidentKind,
    Severity,
)
from governance.errors import DomainError, NotAllowed
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents import serious_incidents
from governance.lineage import operations as lineage_ops
from governance.monitoring import operations as monitoring
from governance.monitoring.operations import ObservationInput


@pytest.fixture
def deployment(world):
    made = lineage_ops.register_artifact(
        world["org"],
        world["users"]["leader"],
        ArtifactKind.DEPLOYMENT,
        lineage_ops.ArtifactInput(
            "k8s",
            "fraud-api",
            environment=Environment.PRODUCTION,
            initiative_id=world["initiative"].id,
        ),
    )
    db.session.commit()
    return made


@pytest.fixture
def monitor(world, deployment):
    made = monitoring.create_monitor(
        world["org"],
        world["users"]["contributor"],
        deployment,
        key="fraud-auc",
        name="Fraud AUC",
        signal=MonitorSignal.MODEL_PERFORMANCE,
        metric="auc",
        comparator=Comparator.AT_LEAST,
        threshold=0.85,
        owner_id=world["users"]["contributor"].id,
    )
    db.session.commit()
    return made


def _at(hours_ago: float) -> datetime:
    return utcnow() - timedelta(hours=hours_ago)


def test_a_person_takes_an_incident_from_detection_to_resolution(world, deployment):
    leader = world["users"]["leader"]
    incident = ops.open_incident(
        world["org"],
        leader,
        title="Scores all zero",
        severity=Severity.SEV2,
        deployment=deployment,
        detected_at=_at(5),
        impact_started_at=_at(6),
    )
    assert incident.initiative_id == world["initiative"].id  # from the deployment
    ops.acknowledge(incident, leader, _at(4.5))
    ops.resolve(incident, world["users"]["pmo"], _at(2), note="Feature job fixed.")
    db.session.commit()
    assert incident.status == IncidentStatus.RESOLVED
    # Resolving an unmitigated incident mitigates it at the same time, by the same person.
    assert incident.mitigated_at == incident.resolved_at
    assert incident.mitigated_by_id == world["users"]["pmo"].id
    assert incident.detected_by_id == leader.id
    kinds = [
        e.kind
        for e in db.session.scalars(
            db.select(ops.IncidentEvent)
            .where(ops.IncidentEvent.incident_id == incident.id)
            .order_by(ops.IncidentEvent.at, ops.IncidentEvent.id)
        )
    ]
    assert kinds == [
        IncidentEventKind.OPENED,
        IncidentEventKind.ACKNOWLEDGED,
        IncidentEventKind.MITIGATED,
        IncidentEventKind.RESOLVED,
    ]


@pytest.mark.parametrize(
    "step",
    ["acknowledge_before_detection", "future_detection", "impact_after_detection"],
)
def test_times_never_run_backwards(world, deployment, step):
    leader = world["users"]["leader"]
    with pytest.raises(DomainError):
        if step == "future_detection":
            ops.open_incident(
                world["org"],
                leader,
                title="x",
                severity=Severity.SEV3,
                deployment=deployment,
                detected_at=utcnow() + timedelta(hours=1),
            )
        elif step == "impact_after_detection":
            ops.open_incident(
                world["org"],
                leader,
                title="x",
                severity=Severity.SEV3,
                deployment=deployment,
                detected_at=_at(2),
                impact_started_at=_at(1),
            )
        else:
            incident = ops.open_incident(
                world["org"], leader, title="x", severity=Severity.SEV3, detected_at=_at(2)
            )
            ops.acknowledge(incident, leader, _at(3))


def test_an_auditor_cannot_open_an_incident(world, deployment):
    with pytest.raises(NotAllowed):
        ops.open_incident(
            world["org"],
            world["users"]["auditor"],
            title="x",
            severity=Severity.SEV4,
            deployment=deployment,
        )


def test_impact_starts_at_the_first_breach_of_the_monitor_current_breach(world, monitor):
    org, contributor = world["org"], world["users"]["contributor"]
    values = [(10, 0.91), (9, 0.80), (8, 0.90), (7, 0.82), (6, 0.79)]
    monitoring.record_observations(
        org,
        contributor,
        [ObservationInput(v, _at(h), monitor_key="fraud-auc") for h, v in values],
    )
    incident = ops.open_incident(
        org, None, title="AUC low", severity=Severity.SEV3, monitor=monitor, detected_at=_at(5)
    )
    # The breach at 9 h ended at 8 h; the current one began 7 hours ago.
    assert abs((incident.impact_started_at - _at(7)).total_seconds()) < 5
    assert incident.deployment_id == monitor.deployment_id
    assert incident.detected_by_id is None  # the alerting system


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (SeriousIncidentKind.STANDARD, 15),
        (SeriousIncidentKind.DEATH, 10),
        (SeriousIncidentKind.WIDESPREAD_OR_CRITICAL, 2),
    ],
)
def test_a_serious_incident_is_due_for_report_days_after_awareness(world, deployment, kind, days):
    leader = world["users"]["leader"]
    aware = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    incident = ops.open_incident(
        world["org"],
        leader,
        title="Wrong denials",
        severity=Severity.SEV1,
        deployment=deployment,
        detected_at=aware,
        impact_started_at=aware,
    )
    serious_incidents.mark_serious(incident, leader, kind, aware_at=aware)
    assert incident.report_due_at == aware + timedelta(days=days)
    late = aware + timedelta(days=days, hours=1)
    serious_incidents.record_report(incident, leader, late, authority="BaFin", reference="R-1")
    db.session.commit()
    assert incident.reported_in_time() is False
    assert incident.report_decision.kind == "serious_incident_report"
    assert "late" in incident.report_decision.decision


def test_a_rollback_exercises_the_plan(world, deployment):
    leader = world["users"]["leader"]
    previous = lineage_ops.register_artifact(
        world["org"],
        leader,
        ArtifactKind.MODEL_VERSION,
        lineage_ops.ArtifactInput("mlflow", "fraud@1", "1"),
    )
    lineage_ops.set_rollback_plan(
        deployment,
        leader,
        None,
        target_version_id=previous.id,
        procedure="Switch alias.",
        owner="Platform team",
        last_tested_on=None,
        restore_minutes=None,
    )
    incident = ops.open_incident(
        world["org"],
        leader,
        title="Bad release",
        severity=Severity.SEV2,
        deployment=deployment,
        detected_at=_at(3),
    )
    ops.execute_rollback(incident, leader, 12, at=_at(2))
    db.session.commit()
    plan = db.session.scalar(db.select(lineage_ops.RollbackPlan))
    assert plan.restore_minutes == 12 and plan.last_tested_on == _at(2).date()
    event = db.session.scalar(
        db.select(ops.IncidentEvent).where(ops.IncidentEvent.kind == IncidentEventKind.ROLLBACK)
    )
    assert event.minutes == 12 and "fraud@1" in event.detail
