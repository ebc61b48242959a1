"""Serious incidents under the EU AI Act (Article 73): the deadline by kind, shown with the days
left or overdue, and the report recorded as a decision saying in time or late."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.enums import SeriousIncidentKind
from governance.errors import DomainError
from governance.extensions import db
from governance.incidents import serious_incidents
from governance.incidents.models import Incident
from governance.web.formats import duration, when
from tests.incidents.helpers import ORG, at, deployment, incident


def _post(client, opened, step, **data):
    return client.post(
        f"{ORG}/incidents/{opened.id}/{step}", data={f"{step}-{k}": v for k, v in data.items()}
    )


def _fresh(opened) -> Incident:
    db.session.expire_all()
    return db.session.get(Incident, opened.id)


@pytest.mark.parametrize(
    ("kind", "days"),
    [("standard", 15), ("death", 10), ("widespread_or_critical", 2)],
)
def test_the_deadline_counts_from_awareness_by_kind(world, as_user, kind, days):
    opened = incident(world, deployment(world), ago=timedelta(hours=30))
    client = as_user(world["users"]["contributor"])
    aware = at(24).replace(second=0, microsecond=0)
    response = _post(
        client, opened, "serious", kind=kind, aware_at=aware.strftime("%Y-%m-%dT%H:%M")
    )
    assert response.status_code == 302
    marked = _fresh(opened)
    assert marked.serious_kind == SeriousIncidentKind(kind)
    assert marked.report_due_at == aware + timedelta(days=days)
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    assert "EU AI Act Article 73 report" in page
    assert f"Due {when(marked.report_due_at)}" in page
    left = re.search(r"<strong>([^<]+) left</strong>", page)
    assert left, "the time left is shown"
    # A day gone since awareness, and the seconds since: rounded to the minute.
    assert left.group(1) in {duration((days - 1) * 1440 - m) for m in range(3)}


def test_an_overdue_report_is_flagged_on_the_page_and_in_the_list(world, as_user):
    opened = incident(world, deployment(world), ago=timedelta(days=4))
    serious_incidents.mark_serious(
        opened, world["users"]["leader"], SeriousIncidentKind.WIDESPREAD_OR_CRITICAL
    )
    db.session.commit()
    client = as_user(world["users"]["auditor"])
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    assert "Overdue by 2 d" in page
    assert "overdue" in client.get(ORG + "/incidents?serious=1").get_data(as_text=True)


def test_a_report_in_time_is_a_decision_saying_so(world, as_user):
    opened = incident(world, deployment(world), ago=timedelta(days=3))
    serious_incidents.mark_serious(opened, world["users"]["leader"], SeriousIncidentKind.STANDARD)
    db.session.commit()
    client = as_user(world["users"]["contributor"])
    response = _post(client, opened, "report", authority="Bundesnetzagentur", reference="BNA-7")
    assert response.status_code == 302
    reported = _fresh(opened)
    assert reported.reported_in_time() is True
    decision = db.session.get(Decision, reported.report_decision_id)
    assert decision.kind == "serious_incident_report" and "in time." in decision.decision
    assert "BNA-7" in decision.decision
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    assert "in time" in page and f"/decisions/{decision.seq}" in page
    # Recorded once; the kind (and so the deadline) no longer changes.
    again = _post(client, opened, "report", authority="Again")
    assert again.status_code == 400 and "already recorded" in again.get_data(as_text=True)
    remark = _post(client, opened, "serious", kind="death")
    assert remark.status_code == 400
    assert _fresh(opened).serious_kind == SeriousIncidentKind.STANDARD


def test_a_late_report_is_a_decision_saying_late(world, as_user):
    opened = incident(world, deployment(world), ago=timedelta(days=6))
    serious_incidents.mark_serious(
        opened, world["users"]["leader"], SeriousIncidentKind.WIDESPREAD_OR_CRITICAL
    )
    db.session.commit()
    client = as_user(world["users"]["leader"])
    sent = at(1).strftime("%Y-%m-%dT%H:%M")
    assert _post(client, opened, "report", authority="CNIL", reported_at=sent).status_code == 302
    reported = _fresh(opened)
    assert reported.reported_in_time() is False
    decision = db.session.get(Decision, reported.report_decision_id)
    assert decision.decision.endswith("late.")
    assert "reported late" in client.get(ORG + "/incidents?status=all").get_data(as_text=True)


def test_bad_reports_and_markings_are_refused_and_write_nothing(world, as_user):
    opened = incident(world, deployment(world), ago=timedelta(hours=5))
    client = as_user(world["users"]["contributor"])
    early = _post(client, opened, "report", authority="CNIL")
    assert early.status_code == 400
    assert "Mark it as a serious incident first." in early.get_data(as_text=True)
    future = _post(
        client, opened, "serious", kind="death", aware_at=at(-3).strftime("%Y-%m-%dT%H:%M")
    )
    assert future.status_code == 400 and "in the future" in future.get_data(as_text=True)
    before = _post(
        client, opened, "serious", kind="death", aware_at=at(48).strftime("%Y-%m-%dT%H:%M")
    )
    assert before.status_code == 400
    assert _post(client, opened, "serious", kind="nope").status_code == 400
    assert _fresh(opened).serious_kind is None
    serious_incidents.mark_serious(opened, world["users"]["leader"], SeriousIncidentKind.STANDARD)
    db.session.commit()
    assert _post(client, opened, "report", authority="").status_code == 400
    future_report = _post(
        client, opened, "report", authority="CNIL", reported_at=at(-1).strftime("%Y-%m-%dT%H:%M")
    )
    assert future_report.status_code == 400
    assert _fresh(opened).reported_at is None
    count = db.session.scalar(
        sa.select(sa.func.count(Decision.id)).filter_by(kind="serious_incident_report")
    )
    assert count == 0


def test_marking_after_the_report_is_refused_by_the_operation(world):
    opened = incident(world, deployment(world))
    leader = world["users"]["leader"]
    serious_incidents.mark_serious(opened, leader, SeriousIncidentKind.STANDARD)
    serious_incidents.record_report(opened, leader, authority="CNIL")
    with pytest.raises(DomainError, match="already recorded"):
        serious_incidents.mark_serious(opened, leader, SeriousIncidentKind.DEATH)
