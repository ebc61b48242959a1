"""Each action on the incident page: what it records, and what it refuses (a form error or a
clear message, nothing written)."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from governance.database import utcnow
from governance.enums import IncidentEventKind, IncidentStatus, Severity
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents.models import Incident, IncidentEvent
from governance.lineage.models import RollbackPlan
from tests.incidents.helpers import ORG, at, deployment, incident


def _post(client, opened, step, **data):
    fields = {f"{step}-{k}": v for k, v in data.items()}
    return client.post(f"{ORG}/incidents/{opened.id}/{step}", data=fields)


def _kinds(opened):
    return list(
        db.session.scalars(
            sa.select(IncidentEvent.kind)
            .where(IncidentEvent.incident_id == opened.id)
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
    )


def _fresh(opened) -> Incident:
    db.session.expire_all()
    return db.session.get(Incident, opened.id)


def test_acknowledge_mitigate_resolve_in_turn(world, as_user):
    opened = incident(world, deployment(world))
    client = as_user(world["users"]["contributor"])
    response = _post(client, opened, "acknowledge")
    assert response.status_code == 302
    assert "was acknowledged" in client.get(response.location).get_data(as_text=True)
    assert _fresh(opened).status == IncidentStatus.ACKNOWLEDGED
    assert _post(client, opened, "mitigate", note="Flag off.").status_code == 302
    assert _post(client, opened, "resolve", note="Retrained.").status_code == 302
    done = _fresh(opened)
    assert done.status == IncidentStatus.RESOLVED
    assert done.resolved_by_id == world["users"]["contributor"].id
    assert _kinds(opened)[-3:] == [
        IncidentEventKind.ACKNOWLEDGED,
        IncidentEventKind.MITIGATED,
        IncidentEventKind.RESOLVED,
    ]
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    assert "Flag off." in page and "This incident is already resolved." in page  # disabled


def test_a_stale_action_says_so_and_writes_nothing(world, as_user):
    opened = incident(world, deployment(world))
    client = as_user(world["users"]["contributor"])
    ops.resolve(opened, world["users"]["leader"])  # someone else, since the page was shown
    db.session.commit()
    before = len(_kinds(opened))
    for step in ("resolve", "acknowledge", "mitigate"):
        response = client.post(f"{ORG}/incidents/{opened.id}/{step}", data={})
        assert response.status_code == 400
        assert "already" in response.get_data(as_text=True)
    assert "This incident is already resolved." in response.get_data(as_text=True)
    assert len(_kinds(opened)) == before


def test_each_action_form_carries_the_csrf_token_and_needs_it(make_app, world, db):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        opened_id = incident(world, deployment(world)).id
    client = app.test_client(user=world["users"]["contributor"])
    path = f"{ORG}/incidents/{opened_id}"
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="acknowledge-csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the acknowledge form carries its token"
    assert client.post(path + "/acknowledge", data={}).status_code == 400
    with app.app_context():
        assert db.session.get(Incident, opened_id).status == IncidentStatus.OPEN
    done = client.post(path + "/acknowledge", data={"acknowledge-csrf_token": token.group(1)})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Incident, opened_id).status == IncidentStatus.ACKNOWLEDGED
    assert client.post(path + "/explode", data={}).status_code == 404


def test_change_severity_and_a_stale_version(world, as_user):
    opened = incident(world, deployment(world))
    client = as_user(world["users"]["leader"])
    assert _post(client, opened, "severity", severity="sev1", version="1").status_code == 302
    assert _fresh(opened).severity == Severity.SEV1
    stale = _post(client, opened, "severity", severity="sev4", version="1")
    assert stale.status_code == 400 and _fresh(opened).severity == Severity.SEV1
    assert _post(client, opened, "severity", severity="sev9").status_code == 400


def test_execute_the_rollback_plan(world, as_user):
    deployed = deployment(world)
    opened = incident(world, deployed)
    client = as_user(world["users"]["contributor"])
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    assert "fraud-api-model@1" in page and "Point the alias back" in page
    assert _post(client, opened, "rollback", minutes="").status_code == 400
    assert _post(client, opened, "rollback", minutes="-5").status_code == 400
    assert _post(client, opened, "rollback", minutes="99999").status_code == 400
    assert IncidentEventKind.ROLLBACK not in _kinds(opened)
    assert _post(client, opened, "rollback", minutes="12").status_code == 302
    plan = db.session.scalar(sa.select(RollbackPlan).filter_by(deployment_id=deployed.id))
    assert plan.last_tested_on == utcnow().date() and plan.restore_minutes == 12
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    assert "Rolled back to fraud-api-model@1." in page and "restored in 12 min" in page


def test_no_rollback_offered_without_a_plan(world, as_user):
    opened = incident(world, deployment(world, plan=False))
    client = as_user(world["users"]["contributor"])
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    assert "Execute the rollback plan" not in page
    refused = client.post(f"{ORG}/incidents/{opened.id}/rollback", data={"rollback-minutes": "5"})
    assert refused.status_code == 400


def test_add_a_note_needs_text(world, as_user):
    opened = incident(world, deployment(world))
    client = as_user(world["users"]["pmo"])
    empty = _post(client, opened, "note", note="   ")
    assert empty.status_code == 400
    assert _kinds(opened) == [IncidentEventKind.OPENED]
    assert _post(client, opened, "note", note="Vendor called.").status_code == 302
    assert _kinds(opened)[-1] == IncidentEventKind.NOTE


def test_the_review_waits_for_resolution_then_goes_to_the_decision_log(world, as_user):
    opened = incident(world, deployment(world))
    client = as_user(world["users"]["contributor"])
    review = {
        "title": "Add a drift monitor",
        "context": "The AUC fell for a week before anyone saw.",
        "decision": "Watch drift daily.",
    }
    early = _post(client, opened, "review", **review)
    assert early.status_code == 400
    assert "Review the incident once it is resolved." in early.get_data(as_text=True)
    ops.resolve(opened, world["users"]["leader"])
    db.session.commit()
    assert _post(client, opened, "review", title="", context="x", decision="y").status_code == 400
    assert _post(client, opened, "review", **review).status_code == 302
    page = client.get(f"{ORG}/incidents/{opened.id}").get_data(as_text=True)
    link = re.search(r'href="(/orgs/acme-freight/decisions/\d+)">#\d+ Add a drift monitor', page)
    assert link, "the timeline links the review's decision"
    assert "Watch drift daily." in client.get(link.group(1)).get_data(as_text=True)
    log = client.get(ORG + "/decisions").get_data(as_text=True)
    assert "Add a drift monitor" in log


def test_only_contributors_act_and_the_auditor_is_refused(world, as_user):
    opened = incident(world, deployment(world))
    auditor = as_user(world["users"]["auditor"])
    for step in ("acknowledge", "note", "review", "report", "serious"):
        assert auditor.post(f"{ORG}/incidents/{opened.id}/{step}", data={}).status_code == 403
    outsider = as_user(world["users"]["outsider"])
    assert outsider.post(f"{ORG}/incidents/{opened.id}/note", data={}).status_code == 404
    assert _fresh(opened).status == IncidentStatus.OPEN


def test_times_before_detection_are_refused_by_the_operations(world):
    opened = incident(world, deployment(world), ago=timedelta(hours=1))
    leader = world["users"]["leader"]
    try:
        ops.acknowledge(opened, leader, at(2))
    except Exception as error:  # DomainError
        assert "before the incident was detected" in str(error)
    else:
        raise AssertionError("acknowledged before detection")


def test_errors_of_a_step_no_longer_offered_show_at_the_top(world, as_user):
    opened = incident(world, deployment(world))
    client = as_user(world["users"]["contributor"])
    response = _post(client, opened, "review", title="", context="", decision="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    top = html[html.index('class="flash flash-error"') :]
    assert "This field is required." in top[: top.index("</div>")]
