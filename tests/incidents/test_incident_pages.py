"""The incidents list (order, filters, pages), the new-incident form and the incident page."""

from __future__ import annotations

import re
from datetime import timedelta

from governance.enums import IncidentStatus, SeriousIncidentKind, Severity
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents import queries as iq
from governance.incidents import serious_incidents
from governance.incidents.models import Incident
from tests.incidents.helpers import ORG, at, deployment, incident, queries


def _titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">#\d+ ([^<]+)</a>', html)


def test_open_incidents_come_first_most_severe_then_oldest_then_resolved_newest_first(
    world, as_user
):
    deployed = deployment(world)
    leader = world["users"]["leader"]
    incident(world, deployed, "minor old", Severity.SEV3, ago=timedelta(hours=10))
    incident(world, deployed, "minor new", Severity.SEV3, ago=timedelta(hours=1))
    incident(world, deployed, "critical", Severity.SEV1, ago=timedelta(hours=2))
    first = incident(world, deployed, "fixed first", Severity.SEV1, ago=timedelta(hours=9))
    later = incident(world, deployed, "fixed later", Severity.SEV4, ago=timedelta(hours=8))
    ops.resolve(first, leader, at(7))
    ops.resolve(later, leader, at(5))
    db.session.commit()
    client = as_user(world["users"]["auditor"])
    page = client.get(ORG + "/incidents").get_data(as_text=True)
    assert _titles(page) == ["critical", "minor old", "minor new"]
    assert "SEV1" in page and "open 2 h" in page
    every = client.get(ORG + "/incidents?status=all").get_data(as_text=True)
    assert _titles(every) == ["critical", "minor old", "minor new", "fixed later", "fixed first"]
    assert "resolved in 3 h" in every  # fixed later: detected 8 h ago, resolved 5 h ago
    assert "Open an incident" not in every  # the auditor reads only


def test_filters_by_status_severity_deployment_initiative_and_serious(world, as_user):
    one, two = deployment(world), deployment(world, "routing-api", plan=False)
    contributor = world["users"]["contributor"]
    a = incident(world, one, "on fraud", Severity.SEV2)
    incident(world, two, "on routing", Severity.SEV4)
    b = incident(world, None, "untriaged", Severity.SEV2)
    ops.acknowledge(b, contributor)
    serious_incidents.mark_serious(a, contributor, SeriousIncidentKind.STANDARD)
    db.session.commit()
    client = as_user(contributor)

    def titles(query: str) -> list[str]:
        response = client.get(f"{ORG}/incidents?{query}")
        assert response.status_code == 200
        return sorted(_titles(response.get_data(as_text=True)))

    assert titles("severity=sev2") == ["on fraud", "untriaged"]
    assert titles(f"deployment={two.id}") == ["on routing"]
    assert titles(f"initiative={world['initiative'].id}") == ["on fraud", "on routing"]
    assert titles("status=acknowledged") == ["untriaged"]
    assert titles("serious=1") == ["on fraud"]
    assert titles("status=resolved") == []
    # Nonsense filters show the default list rather than an error.
    assert titles("status=nope&severity=x&deployment=abc&page=-3") == sorted(
        ["on fraud", "on routing", "untriaged"]
    )


def test_pages_of_fifty_keep_their_filters(world, as_user, monkeypatch):
    monkeypatch.setattr(iq, "PAGE_SIZE", 2)
    deployed = deployment(world)
    for n in range(5):
        incident(world, deployed, f"incident {n}", ago=timedelta(hours=10 - n))
    client = as_user(world["users"]["pmo"])
    first = client.get(ORG + "/incidents?severity=sev3").get_data(as_text=True)
    assert _titles(first) == ["incident 0", "incident 1"] and "Page 1 of 3" in first
    assert "page=2" in first and "severity=sev3" in first
    last = client.get(ORG + "/incidents?severity=sev3&page=3").get_data(as_text=True)
    assert _titles(last) == ["incident 4"]
    assert _titles(client.get(ORG + "/incidents?page=99").get_data(as_text=True)) == ["incident 4"]


def test_the_list_shows_the_serious_incident_deadline_and_overdue(world, as_user):
    deployed = deployment(world)
    contributor = world["users"]["contributor"]
    late = incident(world, deployed, "late one", ago=timedelta(days=5))
    serious_incidents.mark_serious(late, contributor, SeriousIncidentKind.WIDESPREAD_OR_CRITICAL)
    db.session.commit()
    page = as_user(contributor).get(ORG + "/incidents").get_data(as_text=True)
    row = page[page.index("late one") :]
    assert "overdue" in row[: row.index("</tr>")]


def test_open_an_incident_with_the_form(world, as_user):
    deployed = deployment(world)
    client = as_user(world["users"]["contributor"])
    form = client.get(f"{ORG}/incidents/new?deployment={deployed.id}").get_data(as_text=True)
    assert f'<option selected value="{deployed.id}">' in form
    response = client.post(
        ORG + "/incidents/new",
        data={
            "title": "Scores all zero",
            "severity": "sev2",
            "deployment_id": str(deployed.id),
            "monitor_id": "",
            "impact_started_at": at(2).strftime("%Y-%m-%dT%H:%M"),
            "detected_at": at(1).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    made = db.session.scalar(db.select(Incident).filter_by(title="Scores all zero"))
    assert made.severity == Severity.SEV2 and made.initiative_id == world["initiative"].id
    assert made.detected_by_id == world["users"]["contributor"].id
    page = client.get(response.location).get_data(as_text=True)
    assert "was opened" in page and "Time to detect" in page and "1 h" in page


def test_the_form_refuses_times_in_the_future_or_in_the_wrong_order(world, as_user):
    client = as_user(world["users"]["contributor"])

    def post(**times: str):
        data = {"title": "Bad times", "severity": "sev3", "deployment_id": "", "monitor_id": ""}
        return client.post(ORG + "/incidents/new", data={**data, **times})

    future = post(detected_at=at(-2).strftime("%Y-%m-%dT%H:%M"))
    assert future.status_code == 400 and "This time is in the future." in future.get_data(
        as_text=True
    )
    backwards = post(
        impact_started_at=at(1).strftime("%Y-%m-%dT%H:%M"),
        detected_at=at(2).strftime("%Y-%m-%dT%H:%M"),
    )
    assert backwards.status_code == 400
    assert "cannot start after" in backwards.get_data(as_text=True)
    assert post(detected_at="yesterday").status_code == 400
    assert post(title="").status_code == 400
    assert db.session.scalar(db.select(db.func.count(Incident.id))) == 0


def test_the_incident_page_shows_facts_times_and_timeline(world, as_user):
    deployed = deployment(world)
    leader = world["users"]["leader"]
    opened = incident(world, deployed, "AUC fell", Severity.SEV2, ago=timedelta(hours=5))
    ops.acknowledge(opened, leader, at(4.5))
    ops.resolve(opened, leader, at(2), "Retrained.")
    db.session.commit()
    page = as_user(world["users"]["auditor"]).get(f"{ORG}/incidents/{opened.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/orgs/acme-freight/lineage/{deployed.id}" in html
    assert "Parcel fraud scoring" in html and "leader person" in html
    assert "30 min" in html  # time to detect and to acknowledge
    assert "3 h" in html  # time to resolve
    assert html.index("Acknowledged</strong>") < html.index("Retrained.")
    assert "/acknowledge" not in html and "acting on it is for members" in html


def test_the_deployment_page_lists_its_incidents(world, as_user):
    deployed = deployment(world)
    incident(world, deployed, "On this deployment")
    html = (
        as_user(world["users"]["auditor"])
        .get(f"{ORG}/lineage/{deployed.id}")
        .get_data(as_text=True)
    )
    assert "On this deployment" in html and 'id="incidents-h"' in html


def test_the_initiative_page_shows_its_open_incidents_only(world, as_user):
    deployed = deployment(world)
    page = f"{ORG}/initiatives/{world['initiative'].id}"
    client = as_user(world["users"]["auditor"])
    assert "Open incidents" not in client.get(page).get_data(as_text=True)
    incident(world, deployed, "Still open", Severity.SEV1)
    closed = incident(world, deployed, "Closed already")
    ops.resolve(closed, world["users"]["leader"])
    db.session.commit()
    html = client.get(page).get_data(as_text=True)
    assert "Open incidents" in html and "Still open" in html and "Closed already" not in html


def test_pages_run_the_same_number_of_queries_with_few_and_many_incidents(app, world, as_user):
    deployed = deployment(world)
    contributor = world["users"]["contributor"]
    one = incident(world, deployed, "first")
    ops.add_note(one, contributor, "Looking.")
    db.session.commit()
    client = as_user(contributor)
    paths = [
        ORG + "/incidents",
        ORG + "/incidents?status=all",
        f"{ORG}/incidents/{one.id}",
        f"{ORG}/lineage/{deployed.id}",
        ORG + "/incidents/new",
        f"{ORG}/initiatives/{world['initiative'].id}",
    ]
    few = [queries(app, client, p) for p in paths]
    for n in range(30):
        more = incident(world, deployed, f"more {n}", ago=timedelta(hours=n + 1))
        if n % 2:
            ops.resolve(more, contributor)
        ops.add_note(one, contributor, f"Note {n}.")
    db.session.commit()
    many = [queries(app, client, p) for p in paths]
    assert few == many
    assert max(many) <= 20


def test_another_organization_sees_nothing(world, as_user):
    opened = incident(world, deployment(world))
    client = as_user(world["users"]["outsider"])
    assert client.get(f"{ORG}/incidents/{opened.id}").status_code == 404
    assert client.get(ORG + "/incidents").status_code == 404
    assert opened.status == IncidentStatus.OPEN
