"""Issue 16, "gates read it": criteria evaluated from incidents. No SEV1 or SEV2 incident open
in production at the scale-to-production gate; MTTR within the organization's target over the
last 90 days; serious incidents reported to the authority by their deadline. The kept results
follow the incidents, the organization's target and the date."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance.database import utcnow
from governance.enums import CriterionStatus, Environment, SeriousIncidentKind, Severity
from governance.gates import state as criteria_state
from governance.gates.rules import RecordRef, evaluate
from governance.incidents import operations as incidents
from governance.incidents import serious_incidents
from governance.incidents.rules import MTTR_DAYS, duration
from tests.incidents.operations_helpers import criterion, deployment, incident, reasons, state

MAJOR = "no_open_major_incident"
MTTR = "mttr_within_target"
REPORTED = "serious_incidents_reported_in_time"


# ---- no open SEV1/SEV2 in production ---------------------------------------------------------


def test_nothing_in_production_has_no_major_incident_open(world):
    result = evaluate(MAJOR, world["initiative"])
    assert result.passed and result.empty
    assert (
        result.summary == "Met: nothing is in production yet, so no major incident is open there."
    )


def test_an_open_major_incident_in_production_fails_until_resolved(world, db):
    initiative, contributor = world["initiative"], world["users"]["contributor"]
    api = deployment(world)
    staging = deployment(world, "fraud-api-staging", Environment.STAGING)
    incident(world, staging, Severity.SEV1, "Staging down")  # not production: not asked
    minor = incident(world, api, Severity.SEV3, "Latency up")
    assert evaluate(MAJOR, initiative).passed
    assert evaluate(MAJOR, initiative).summary == "Met: every record passes."
    incidents.change_severity(minor, contributor, Severity.SEV2)
    result = evaluate(MAJOR, initiative)
    detected = f"{minor.detected_at:%d %b %Y %H:%M} UTC"
    assert reasons(result) == [
        (
            f"Incident #{minor.id} Latency up",
            f"SEV2 on deployment fraud-api, open since {detected}: resolve it before promoting",
        )
    ]
    assert result.failures[0].about == RecordRef("incident", minor.id)
    incidents.acknowledge(minor, contributor)
    assert "acknowledged since" in evaluate(MAJOR, initiative).failures[0].reason
    incidents.resolve(minor, contributor)
    assert evaluate(MAJOR, initiative).passed


def test_a_major_incident_naming_only_the_initiative_counts(world, db):
    untriaged = incident(world, None, Severity.SEV1, "Wrong scores", initiative=world["initiative"])
    result = evaluate(MAJOR, world["initiative"])
    assert not result.passed
    assert result.failures[0].record == f"Incident #{untriaged.id} Wrong scores"
    assert result.failures[0].reason.startswith("SEV1 naming no deployment, open since")
    assert evaluate(MAJOR, world["other_initiative"]).passed  # another organization's


def test_the_production_gate_criterion_follows_opening_and_resolving(world, db):
    gate = criterion(world["initiative"], MAJOR)
    assert gate.stage_gate_id is not None  # the scale-to-production gate
    assert state(gate.id) == CriterionStatus.MET
    opened = incident(world, deployment(world), Severity.SEV1)
    db.session.commit()
    assert state(gate.id) == CriterionStatus.OPEN
    incidents.resolve(opened, world["users"]["contributor"])
    db.session.commit()
    assert state(gate.id) == CriterionStatus.MET


def test_an_incident_moved_to_another_initiative_reevaluates_the_one_it_left(
    world, db, make_initiative
):
    gate = criterion(world["initiative"], MAJOR)
    moved = incident(world, None, Severity.SEV1, initiative=world["initiative"])
    db.session.commit()
    assert state(gate.id) == CriterionStatus.OPEN
    other = make_initiative(org=world["org"])
    moved.initiative_id = other.id  # triage: it was another initiative's
    db.session.commit()
    assert state(gate.id) == CriterionStatus.MET
    assert state(criterion(other, MAJOR).id) == CriterionStatus.OPEN


# ---- MTTR ------------------------------------------------------------------------------------


def _resolved(world, on, days_ago: int, minutes: int, title: str = "AUC below threshold"):
    detected = utcnow() - timedelta(days=days_ago)
    found = incident(world, on, Severity.SEV3, title, detected_at=detected)
    incidents.resolve(found, world["users"]["contributor"], detected + timedelta(minutes=minutes))
    return found


def test_no_incident_resolved_in_the_window_is_good_news(world, db):
    api = deployment(world)
    _resolved(world, api, MTTR_DAYS + 5, 900)  # before the window
    incident(world, api, Severity.SEV3)  # still open: not in the mean
    result = evaluate(MTTR, world["initiative"])
    assert result.passed and result.empty
    assert result.summary == f"Met: no incident detected in the last {MTTR_DAYS} days was resolved."


def test_mttr_over_the_target_fails_naming_the_slowest(world, db):
    initiative = world["initiative"]
    api = deployment(world)
    _resolved(world, api, 10, 100, "Drift on amount")
    slowest = _resolved(world, api, 3, 500, "Scores frozen")
    assert world["org"].mttr_target_minutes == 240
    result = evaluate(MTTR, initiative)
    assert result.checked == 2
    assert reasons(result) == [
        (
            "Mean time to resolve",
            f"5 h on average over 2 incidents resolved in the last {MTTR_DAYS} days; the target"
            f" is 4 h. The slowest: Incident #{slowest.id} Scores frozen, 8 h 20 min",
        )
    ]
    assert result.failures[0].about == RecordRef("incident", slowest.id)
    world["org"].mttr_target_minutes = 300
    assert evaluate(MTTR, initiative).passed


def test_mttr_holds_until_its_earliest_incident_leaves_the_window(world, db):
    initiative = world["initiative"]
    api = deployment(world)
    early = _resolved(world, api, 30, 600)
    _resolved(world, api, 5, 60)
    today = utcnow().date()
    now = evaluate(MTTR, initiative, today)
    assert not now.passed  # (600 + 60) / 2 = 330 minutes
    leaves = early.detected_at.date() + timedelta(days=MTTR_DAYS)
    assert now.holds_until == leaves
    assert not evaluate(MTTR, initiative, leaves).passed
    assert evaluate(MTTR, initiative, leaves + timedelta(days=1)).passed  # 60 minutes alone


def test_a_changed_mttr_target_reevaluates_every_initiative_of_the_organization(world, db):
    kept = criterion(world["initiative"], MTTR)
    _resolved(world, deployment(world), 2, 300)
    db.session.commit()
    assert state(kept.id) == CriterionStatus.OPEN
    world["org"].mttr_target_minutes = 360
    db.session.commit()
    assert state(kept.id) == CriterionStatus.MET


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(45, "45 min"), (60, "1 h"), (200, "3 h 20 min"), (1440, "1 d"), (3120, "2 d 4 h")],
)
def test_durations_read_as_a_person_says_them(minutes, words):
    assert duration(minutes) == words


# ---- serious incidents -----------------------------------------------------------------------


def test_no_serious_incident_means_nothing_to_report(world, db):
    incident(world, deployment(world))
    result = evaluate(REPORTED, world["initiative"])
    assert result.passed and result.empty
    assert result.summary == "Met: no serious incident was recorded."


def test_a_report_not_yet_due_passes_until_its_due_day(world, db):
    initiative = world["initiative"]
    found = incident(world, deployment(world), Severity.SEV1, "Wrong claims denied")
    serious_incidents.mark_serious(found, world["users"]["leader"], SeriousIncidentKind.STANDARD)
    due = found.report_due_at
    assert due is not None
    today = utcnow().date()
    now = evaluate(REPORTED, initiative, today)
    assert now.passed and now.checked == 1
    assert now.holds_until == due.date()
    assert evaluate(REPORTED, initiative, due.date()).passed
    late = evaluate(REPORTED, initiative, due.date() + timedelta(days=1))
    assert reasons(late) == [
        (
            f"Incident #{found.id} Wrong claims denied",
            f"not reported: the report was due by {due:%d %b %Y %H:%M} UTC",
        )
    ]
    assert late.failures[0].about == RecordRef("incident", found.id)


def test_a_report_made_after_the_deadline_fails_and_one_in_time_passes(world, db):
    initiative, leader = world["initiative"], world["users"]["leader"]
    api = deployment(world)
    aware = utcnow() - timedelta(days=5)
    late = incident(world, api, Severity.SEV1, "Outage", detected_at=aware)
    serious_incidents.mark_serious(late, leader, SeriousIncidentKind.WIDESPREAD_OR_CRITICAL, aware)
    on_time = incident(world, api, Severity.SEV2, "Bias found", detected_at=aware)
    serious_incidents.mark_serious(on_time, leader, SeriousIncidentKind.STANDARD, aware)
    serious_incidents.record_report(on_time, leader, authority="Market surveillance authority")
    reported = serious_incidents.record_report(
        late, leader, authority="Market surveillance authority"
    )
    assert late.reported_at is not None and reported is not None
    due = late.report_due_at
    result = evaluate(REPORTED, initiative)
    assert result.checked == 2
    assert reasons(result) == [
        (
            f"Incident #{late.id} Outage",
            f"reported on {late.reported_at:%d %b %Y %H:%M} UTC, after its deadline of "
            f"{due:%d %b %Y %H:%M} UTC",
        )
    ]


def test_an_overdue_report_opens_the_kept_criterion_once_its_day_is_past(world, db):
    initiative = world["initiative"]
    kept = criterion(initiative, REPORTED)
    found = incident(world, deployment(world), Severity.SEV1)
    serious_incidents.mark_serious(
        found, world["users"]["leader"], SeriousIncidentKind.WIDESPREAD_OR_CRITICAL
    )
    db.session.commit()
    db.session.refresh(kept)
    assert state(kept.id) == CriterionStatus.MET
    due_day = found.report_due_at.date()
    assert kept.rule_holds_until == due_day
    criteria_state.evaluate_initiatives([initiative.id], due_day + timedelta(days=1))
    db.session.commit()
    assert state(kept.id) == CriterionStatus.OPEN
