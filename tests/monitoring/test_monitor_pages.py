"""The monitor pages: the deployment's list of monitors, the add and edit forms (good and bad
input, stale saves, CSRF), and the monitor's own page with its observations and incidents."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from governance.enums import Severity
from governance.extensions import db
from governance.incidents import operations as incident_ops
from governance.monitoring.models import Monitor
from tests.monitoring.helpers import add_observations

ORG = "/orgs/acme-freight"


def _form(deployment, **change):
    return {
        "deployment_id": str(deployment),
        "name": "Fraud API drift",
        "key": "fraud-api-psi",
        "signal": "drift",
        "metric": "psi",
        "comparator": "at_most",
        "threshold": "0.2",
        "unit": "",
        "window_minutes": "120",
        "severity": "sev2",
        "owner_id": "None",
        "dataset_id": "None",
        **change,
    }


def _edit_form(monitor, **change):
    data = _form(
        monitor.deployment_id,
        name=monitor.name,
        key=monitor.key,
        signal=monitor.signal.value,
        metric=monitor.metric,
        comparator=monitor.comparator.value,
        threshold=repr(monitor.threshold),
        window_minutes=str(monitor.window_minutes),
        severity=monitor.severity.value,
        owner_id=str(monitor.owner_id) if monitor.owner_id else "None",
        dataset_id=str(monitor.dataset_id) if monitor.dataset_id else "None",
        active="y",
        version=str(monitor.version),
    )
    data.pop("deployment_id")
    return {**data, **change}


def _monitors() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Monitor)) or 0


def test_the_deployment_page_lists_its_monitors_with_state_and_latest_value(
    world, ops_scene, as_user
):
    add_observations(ops_scene["org"], ops_scene["auc"], [0.91, 0.80])
    page = as_user(world["users"]["auditor"]).get(f"{ORG}/lineage/{ops_scene['deployment'].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Fraud API AUC" in html and "auc ≥ 0.85" in html and "Breaching" in html
    assert "0.8" in html and "contributor person" in html and "SEV2" in html
    assert "No data yet" in html  # the data-quality monitor never heard anything
    assert "public.parcels" in html
    # An auditor reads but cannot add; a contributor is offered the action.
    assert "Add a monitor" not in html
    mine = as_user(world["users"]["contributor"]).get(f"{ORG}/lineage/{ops_scene['deployment'].id}")
    assert f"monitors/new?deployment={ops_scene['deployment'].id}" in mine.get_data(as_text=True)


def test_a_dataset_page_shows_no_monitor_section(world, ops_scene, as_user):
    html = as_user(world["users"]["contributor"]).get(f"{ORG}/lineage/{ops_scene['dataset'].id}")
    assert 'id="monitors-h"' not in html.get_data(as_text=True)


def test_a_contributor_adds_a_monitor_to_the_deployment(world, ops_scene, as_user):
    client = as_user(world["users"]["contributor"])
    deployment = ops_scene["deployment"]
    form = client.get(f"{ORG}/monitors/new?deployment={deployment.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{deployment.id}">fraud-api', form)
    owner = world["users"]["leader"].id
    response = client.post(f"{ORG}/monitors/new", data=_form(deployment.id, owner_id=str(owner)))
    assert response.status_code == 302
    monitor = db.session.scalar(sa.select(Monitor).where(Monitor.key == "fraud-api-psi"))
    assert monitor.threshold == 0.2 and monitor.severity == Severity.SEV2
    assert monitor.owner_id == owner and monitor.window_minutes == 120 and monitor.active
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fraud API drift" in shown and "now watches fraud-api" in shown
    assert "psi ≤ 0.2" in shown and "leader person" in shown


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"key": "Fraud API"}, "key", "lower-case"),
        ({"key": "fraud-api-auc"}, "key", "Another monitor"),
        ({"name": ""}, "name", "This field is required"),
        ({"threshold": "lots"}, "threshold", "Not a valid decimal"),
        ({"threshold": "nan"}, "threshold", "Enter a number"),
        ({"threshold": "1e400"}, "threshold", "The threshold is a number"),
        ({"window_minutes": "0"}, "window_minutes", "1 minute to 31 days"),
        ({"comparator": "roughly"}, "comparator", "Not a valid choice"),
        ({"owner_id": "999999"}, "owner_id", "Not a valid choice"),
        ({"deployment_id": "None"}, "deployment_id", "Choose the deployment"),
        ({"dataset_id": "{deployment}"}, "dataset_id", "Not a valid choice"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(
    world, ops_scene, as_user, change, field, message
):
    deployment = ops_scene["deployment"]
    change = {k: v.replace("{deployment}", str(deployment.id)) for k, v in change.items()}
    before = _monitors()
    response = as_user(world["users"]["contributor"]).post(
        f"{ORG}/monitors/new", data=_form(deployment.id, **change)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html or message in html
    assert message in html
    assert _monitors() == before


def test_another_organizations_deployment_cannot_be_chosen(world, ops_scene, as_user):
    response = as_user(world["users"]["contributor"]).post(
        f"{ORG}/monitors/new", data=_form(123456)
    )
    assert response.status_code == 400 and _monitors() == 2


def test_editing_saves_and_deactivates(world, ops_scene, as_user):
    monitor = ops_scene["auc"]
    client = as_user(world["users"]["pmo"])
    form = client.get(f"{ORG}/monitors/{monitor.id}/edit").get_data(as_text=True)
    assert 'value="0.85"' in form and 'name="version"' in form
    data = _edit_form(monitor, threshold="0.9")
    del data["active"]  # the box unticked
    response = client.post(f"{ORG}/monitors/{monitor.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert monitor.threshold == 0.9 and monitor.active is False and monitor.version == 2
    shown = client.get(f"{ORG}/monitors/{monitor.id}").get_data(as_text=True)
    assert "Inactive" in shown and "auc ≥ 0.9" in shown


def test_a_stale_save_shows_the_conflict_and_keeps_the_other_change(world, ops_scene, as_user):
    monitor = ops_scene["auc"]
    first, second = as_user(world["users"]["pmo"]), as_user(world["users"]["leader"])
    stale = _edit_form(monitor)
    assert (
        first.post(
            f"{ORG}/monitors/{monitor.id}/edit", data={**stale, "threshold": "0.9"}
        ).status_code
        == 302
    )
    response = second.post(f"{ORG}/monitors/{monitor.id}/edit", data={**stale, "name": "AUC"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Current values" in html and "0.9" in html
    db.session.expire_all()
    assert monitor.name == "Fraud API AUC" and monitor.threshold == 0.9


def test_posts_without_the_csrf_token_are_refused(make_app, world, ops_scene):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client(user=world["users"]["contributor"])
    deployment_id = ops_scene["deployment"].id
    response = client.post(f"{ORG}/monitors/new", data=_form(deployment_id))
    assert response.status_code == 400
    with app.app_context():
        assert _monitors() == 2
    form = client.get(f"{ORG}/monitors/new?deployment={deployment_id}").get_data(as_text=True)
    assert 'name="csrf_token"' in form


def test_the_monitor_page_pages_observations_newest_first(world, ops_scene, as_user):
    org, monitor = ops_scene["org"], ops_scene["auc"]
    add_observations(org, monitor, [0.9 + i / 10000 for i in range(120)])
    client = as_user(world["users"]["auditor"])
    first = client.get(f"{ORG}/monitors/{monitor.id}").get_data(as_text=True)
    assert first.count("<time datetime=") == 50
    rows = lambda html: html.split('id="observations-h"')[1]  # noqa: E731
    assert "0.9119" in rows(first) and "0.9069" not in rows(first)  # newest first
    older = re.search(r'href="([^"]+after=\d+)[^"]*"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert second.count("<time datetime=") == 50
    assert "0.9069" in rows(second) and "0.9119" not in rows(second)
    third = client.get(re.search(r'href="([^"]+after=\d+)', second).group(1)).get_data(as_text=True)
    assert third.count("<time datetime=") == 20 and "after=" not in third.split("Newest")[-1]
    bad = client.get(f"{ORG}/monitors/{monitor.id}?after=999999").get_data(as_text=True)
    assert "out of date or not valid" in bad and bad.count("<time datetime=") == 50


def test_the_monitor_page_lists_the_incidents_it_opened(world, ops_scene, as_user):
    org, monitor = ops_scene["org"], ops_scene["auc"]
    incident = incident_ops.open_incident(
        org,
        world["users"]["contributor"],
        title="AUC fell under 0.85",
        severity=Severity.SEV3,
        monitor=monitor,
    )
    db.session.commit()
    html = as_user(world["users"]["auditor"]).get(f"{ORG}/monitors/{monitor.id}")
    text = html.get_data(as_text=True)
    assert f'href="{ORG}/incidents/{incident.id}"' in text and "AUC fell under 0.85" in text
    assert f'href="{ORG}/lineage/{monitor.deployment_id}"' in text


def test_monitor_pages_of_another_organization_are_absent(world, ops_scene, as_user):
    outsider = as_user(world["users"]["outsider"])
    monitor = ops_scene["auc"]
    assert outsider.get(f"/orgs/globex-health/monitors/{monitor.id}").status_code == 404
    assert outsider.get(f"/orgs/globex-health/monitors/{monitor.id}/edit").status_code == 404
