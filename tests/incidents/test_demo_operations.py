"""The demo's operations tell a believable year: monitors on every production deployment, a few
hundred readings, incidents of every severity at times that agree with the rest of the story."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from governance.decisions.chain import verify_organization
from governance.decisions.models import Decision
from governance.enums import (
    ArtifactKind,
    EdgeKind,
    Environment,
    IncidentEventKind,
    IncidentStatus,
    MonitorSignal,
    ObservationSource,
    Severity,
)
from governance.gates.rules import evaluate
from governance.incidents.models import Incident, IncidentEvent
from governance.lineage.models import LineageArtifact, LineageEdge, RollbackPlan
from governance.monitoring.health import MonitorState, monitor_readings
from governance.monitoring.models import Monitor, Observation
from governance.people.models import User
from governance.permissions import is_member
from governance.portfolio.models import Initiative, Organization

MAJOR = (Severity.SEV1, Severity.SEV2)


@pytest.fixture
def orgs(demo_data, db):
    return {o.slug: o for o in db.session.scalars(sa.select(Organization))}


def _incidents(db, org=None):
    query = sa.select(Incident).order_by(Incident.detected_at)
    if org is not None:
        query = query.where(Incident.organization_id == org.id)
    return list(db.session.scalars(query))


def _production(db):
    return list(
        db.session.scalars(
            sa.select(LineageArtifact).where(
                LineageArtifact.kind == ArtifactKind.DEPLOYMENT,
                LineageArtifact.environment == Environment.PRODUCTION,
            )
        )
    )


def _minutes(incident):
    return (incident.resolved_at - incident.impact_started_at).total_seconds() / 60


def test_every_production_deployment_has_performance_and_drift_monitors_owned_by_members(orgs, db):
    deployments = _production(db)
    assert len(deployments) == 4
    for deployment in deployments:
        monitors = list(
            db.session.scalars(sa.select(Monitor).where(Monitor.deployment_id == deployment.id))
        )
        signals = {m.signal for m in monitors}
        assert {MonitorSignal.MODEL_PERFORMANCE, MonitorSignal.DRIFT} <= signals, deployment.name
        for monitor in monitors:
            owner = db.session.get(User, monitor.owner_id)
            assert is_member(owner, monitor.organization_id), monitor.key
            assert monitor.created_at >= _first_release(db, deployment), monitor.key


def _first_release(db, deployment):
    return db.session.scalar(
        sa.select(sa.func.min(LineageEdge.created_at)).where(
            LineageEdge.target_id == deployment.id, LineageEdge.kind == EdgeKind.DEPLOYED_AS
        )
    )


def test_a_few_hundred_readings_from_the_demo_and_live_monitors(orgs, db, demo_data):
    observations = list(db.session.scalars(sa.select(Observation)))
    assert 300 <= len(observations) <= 900
    assert {o.source for o in observations} == {ObservationSource.DEMO}
    assert max(o.observed_at for o in observations) < demo_data.loaded_from
    # Read as at the load: every monitor has a recent reading; only the open incident's breaches.
    breaching = []
    for org in orgs.values():
        for monitor_id, reading in monitor_readings(org.id, now=demo_data.loaded_to).items():
            assert reading.state in (MonitorState.HEALTHY, MonitorState.BREACHING), monitor_id
            if reading.state == MonitorState.BREACHING:
                breaching.append(db.session.get(Monitor, monitor_id).key)
    assert breaching == ["fraud-scoring-psi"]
    # Each incident's monitor breached when its impact started.
    for incident in _incidents(db):
        first = db.session.scalar(
            sa.select(Observation)
            .where(
                Observation.monitor_id == incident.monitor_id,
                Observation.observed_at >= incident.impact_started_at,
            )
            .order_by(Observation.observed_at)
            .limit(1)
        )
        assert first.breached and first.observed_at == incident.impact_started_at, incident.title


def test_every_severity_and_every_step_at_believable_times(orgs, db, demo_data):
    incidents = _incidents(db)
    assert {i.severity for i in incidents} == set(Severity)
    for incident in incidents:
        steps = [
            incident.impact_started_at,
            incident.detected_at,
            incident.acknowledged_at,
            incident.mitigated_at,
            incident.resolved_at,
        ]
        known = [s for s in steps if s is not None]
        assert known == sorted(known), incident.title
        assert max(known) < demo_data.loaded_from, incident.title
        # Never before its deployment's first release.
        assert incident.impact_started_at > _first_release(db, incident.deployment)
        # Acknowledged within the hour by day, and by members of the organization.
        for person in (incident.acknowledged_by, incident.mitigated_by, incident.resolved_by):
            assert person is None or is_member(person, incident.organization_id)
        if incident.severity in MAJOR and incident.acknowledged_at:
            assert incident.acknowledged_at - incident.detected_at <= timedelta(hours=1)
    slow_sev4 = [i for i in incidents if i.severity == Severity.SEV4 and i.resolved_at]
    assert max(_minutes(i) for i in slow_sev4) > 24 * 60  # low severity waits for office hours
    # The timeline's lines are in time order and no later than the load.
    events = list(db.session.scalars(sa.select(IncidentEvent)))
    assert max(e.at for e in events) < demo_data.loaded_from
    assert IncidentEventKind.NOTE in {e.kind for e in events}


def test_the_serious_incident_was_rolled_back_and_reported_in_time(orgs, db):
    serious = [i for i in _incidents(db) if i.is_serious]
    assert len(serious) == 1
    incident = serious[0]
    assert incident.organization_id == orgs["meridian-health-mutual"].id
    assert incident.severity == Severity.SEV1 and incident.reported_in_time()
    report = db.session.get(Decision, incident.report_decision_id)
    assert report.kind == "serious_incident_report" and report.details["in_time"] is True
    assert report.created_at == incident.reported_at
    rollbacks = list(
        db.session.scalars(
            sa.select(IncidentEvent).where(IncidentEvent.kind == IncidentEventKind.ROLLBACK)
        )
    )
    assert [r.incident_id for r in rollbacks] == [incident.id]
    # The plan counts as exercised that day, as lineage.yaml says it was last tested.
    plan = db.session.scalar(
        sa.select(RollbackPlan).where(RollbackPlan.deployment_id == incident.deployment_id)
    )
    assert plan.last_tested_on == rollbacks[0].at.date() and plan.restore_minutes == 14
    assert rollbacks[0].minutes == 14


def test_major_incidents_resolved_have_their_review_in_the_decision_log(orgs, db):
    for incident in _incidents(db):
        reviews = list(
            db.session.scalars(
                sa.select(IncidentEvent).where(
                    IncidentEvent.incident_id == incident.id,
                    IncidentEvent.kind == IncidentEventKind.REVIEW_DECISION,
                )
            )
        )
        if incident.severity in MAJOR and incident.status == IncidentStatus.RESOLVED:
            assert len(reviews) == 1, incident.title
            decision = db.session.get(Decision, reviews[0].decision_id)
            assert decision.kind == "incident_review" and decision.created_at == reviews[0].at
            assert decision.created_at > incident.resolved_at
        else:
            assert not reviews, incident.title
    # The reviews join each log in time order, and every chain verifies.
    for org in orgs.values():
        chain = list(
            db.session.scalars(
                sa.select(Decision).where(Decision.organization_id == org.id).order_by(Decision.seq)
            )
        )
        assert all(a.created_at <= b.created_at for a, b in itertools.pairwise(chain)), org.slug
        assert verify_organization(org).ok, org.slug


def test_the_story_the_rules_read(orgs, db, demo_data):
    """Northwind: a SEV2 still open on Parcel fraud scoring; Meridian and Northwind fixed every
    incident of the last 90 days within their MTTR target; Bluefin none."""
    since = demo_data.loaded_from - timedelta(days=90)
    open_major = [i for i in _incidents(db) if i.is_open and i.severity in MAJOR]
    assert [(i.initiative.name, i.severity) for i in open_major] == [
        ("Parcel fraud scoring", Severity.SEV2)
    ]
    for slug, within in (
        ("northwind-logistics", True),
        ("meridian-health-mutual", True),
        ("bluefin-media", False),
    ):
        org = orgs[slug]
        recent = [i for i in _incidents(db, org) if i.resolved_at and i.detected_at >= since]
        assert recent, slug  # the last 90 days have something to show
        assert all((_minutes(i) <= org.mttr_target_minutes) == within for i in recent), slug


def test_releases_over_the_year_for_the_delivery_figures(orgs, db):
    for deployment in _production(db):
        releases = db.session.execute(
            sa.select(LineageEdge.created_at, LineageArtifact.created_at)
            .join(LineageArtifact, LineageArtifact.id == LineageEdge.source_id)
            .where(
                LineageEdge.target_id == deployment.id,
                LineageEdge.kind == EdgeKind.DEPLOYED_AS,
            )
        ).all()
        assert len(releases) >= 2, deployment.name
        for released, registered in releases:
            assert timedelta(days=2) <= released - registered <= timedelta(days=10)
        assert len({released.date() for released, _ in releases}) == len(releases)


def test_the_stale_rollback_stays_stale_and_the_exercised_one_holds(orgs, db):
    by_name = {i.name: i for i in db.session.scalars(sa.select(Initiative))}
    assert not evaluate("production_rollback_tested", by_name["Automated article tagging"]).passed
    assert evaluate("production_rollback_tested", by_name["Claims triage"]).passed
