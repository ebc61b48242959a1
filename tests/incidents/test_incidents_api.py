"""The incidents API: the list (unresolved first, filters, keyset pages), one incident with its
timeline and minutes, opening one and taking its steps, and the refusals (400 naming the field,
403 for an auditor, 404 for another organization's, 409 for a step already taken)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from governance.enums import Severity
from governance.extensions import db as _db
from governance.incidents import operations as incident_ops
from tests.incidents.alerting import QueryCount, counts, operations

API = "/api/v1/orgs/acme-freight/incidents"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _open(world, title, minutes, severity=Severity.SEV3, **extra):
    incident = incident_ops.open_incident(
        world["org"],
        world["users"]["contributor"],
        title=title,
        severity=severity,
        detected_at=T0 + timedelta(minutes=minutes),
        **extra,
    )
    _db.session.commit()
    return incident


def test_the_list_puts_unresolved_first_filters_and_pages(world, client, db, token_for):
    ops = operations(world)
    old = _open(world, "Old and open", 0, Severity.SEV1, deployment=ops["deployment"])
    done = _open(world, "Newest but resolved", 300)
    incident_ops.resolve(done, world["users"]["leader"], T0 + timedelta(minutes=400))
    new = _open(world, "New and open", 200, Severity.SEV2)
    db.session.commit()
    headers = token_for(world["users"]["auditor"])
    titles = lambda r: [i["title"] for i in r.get_json()["items"]]  # noqa: E731
    everything = client.get(API, headers=headers)
    assert titles(everything) == ["New and open", "Old and open", "Newest but resolved"]
    page = client.get(API + "?limit=2", headers=headers).get_json()
    assert page["next_after"] == old.id
    rest = client.get(f"{API}?limit=2&after={page['next_after']}", headers=headers)
    assert titles(rest) == ["Newest but resolved"] and rest.get_json()["next_after"] is None
    assert titles(client.get(API + "?status=resolved", headers=headers)) == [done.title]
    assert titles(client.get(API + "?status=unresolved", headers=headers)) == [new.title, old.title]
    assert titles(client.get(API + "?severity=sev1", headers=headers)) == [old.title]
    by_deployment = client.get(f"{API}?deployment={ops['deployment'].id}", headers=headers)
    assert titles(by_deployment) == [old.title]
    by_initiative = client.get(f"{API}?initiative={world['initiative'].id}", headers=headers)
    assert titles(by_initiative) == [old.title]  # through its deployment
    wrong = client.get(API + "?severity=sev9", headers=headers)
    assert wrong.status_code == 422 and "severity" in wrong.get_json()["error"]["message"]
    assert client.get(API + "?after=999999", headers=headers).status_code == 400


def test_one_incident_with_its_timeline_and_minutes(world, client, db, token_for):
    incident = _open(world, "AUC below 0.85", 30, impact_started_at=T0)
    leader = world["users"]["leader"]
    incident_ops.acknowledge(incident, leader, T0 + timedelta(minutes=35))
    incident_ops.resolve(incident, leader, T0 + timedelta(minutes=150), "Retrained.")
    db.session.commit()
    shown = client.get(f"{API}/{incident.id}", headers=token_for(world["users"]["auditor"]))
    body = shown.get_json()
    assert body["minutes"] == {"mttd": 30, "mtta": 5, "mttr": 120}
    assert body["detected_by"] == "contributor person"
    assert body["acknowledged_by"] == body["resolved_by"] == "leader person"
    assert body["impact_started_at"] == "2026-11-02T09:00:00Z"
    assert [(e["kind"], e["actor"]) for e in body["timeline"]] == [
        ("opened", "contributor person"),
        ("acknowledged", "leader person"),
        ("mitigated", "leader person"),
        ("resolved", "leader person"),
    ]
    assert body["timeline"][-1]["detail"] == "Retrained."


def test_a_contributor_opens_an_incident_and_takes_its_steps(world, client, db, token_for):
    ops = operations(world)
    headers = token_for(world["users"]["contributor"])
    opened = client.post(
        API,
        json={
            "title": "Scores drifting",
            "severity": "sev2",
            "monitor_id": ops["monitor"].id,
            "detected_at": "2026-11-02T10:00:00+01:00",
        },
        headers=headers,
    )
    assert opened.status_code == 201, opened.get_data(as_text=True)
    body = opened.get_json()
    assert body["deployment_id"] == ops["deployment"].id and body["monitor"] == "fraud-api-disk"
    assert body["detected_at"] == "2026-11-02T09:00:00Z" and body["source"] == "person"
    path = f"{API}/{body['id']}"
    ack = client.post(
        path + "/acknowledge",
        json={"at": "2026-11-02T09:10:00Z", "note": "On it."},
        headers=headers,
    )
    assert ack.status_code == 200 and ack.get_json()["minutes"]["mtta"] == 10
    assert ack.get_json()["timeline"][-1]["detail"] == "On it."
    again = client.post(path + "/acknowledge", json={}, headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "This incident has already been acknowledged."
    early = client.post(path + "/mitigate", json={"at": "2026-11-02T09:05:00Z"}, headers=headers)
    assert early.status_code == 400 and early.get_json()["error"]["message"].startswith("at: ")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert client.post(path + "/resolve", json={"at": future}, headers=headers).status_code == 400
    mitigated = client.post(path + "/mitigate", json={"note": "Rolled back."}, headers=headers)
    assert mitigated.get_json()["status"] == "mitigated"
    resolved = client.post(path + "/resolve", json={}, headers=headers)
    assert (
        resolved.get_json()["status"] == "resolved" and resolved.get_json()["minutes"]["mttr"] > 0
    )
    assert client.post(path + "/resolve", json={}, headers=headers).status_code == 409
    assert client.post(path + "/mitigate", json={}, headers=headers).status_code == 409


def test_opening_refuses_what_is_wrong_naming_the_field(world, client, db, token_for):
    operations(world)
    headers = token_for(world["users"]["contributor"])
    before = counts()

    def refused(body, status, words):
        answer = client.post(API, json=body, headers=headers)
        assert answer.status_code == status, answer.get_data(as_text=True)
        assert words in answer.get_json()["error"]["message"]

    good = {"title": "Down", "severity": "sev1"}
    refused({"severity": "sev1"}, 422, "title")
    refused({**good, "severity": "p1"}, 422, "severity")
    refused({**good, "title": " "}, 400, "title")
    refused({**good, "detected_at": "soon"}, 422, "detected_at")
    refused({**good, "deployment_id": world["initiative"].id + 10**6}, 404, "deployment_id")
    refused(
        {
            **good,
            "detected_at": "2026-11-02T09:00:00Z",
            "impact_started_at": "2026-11-02T10:00:00Z",
        },
        400,
        "impact_started_at",
    )
    other_program = world["other_initiative"].id
    refused({**good, "initiative_id": other_program}, 404, "initiative_id")
    assert counts() == before


def test_an_auditor_reads_but_changes_nothing_and_outsiders_see_nothing(
    world, client, db, token_for
):
    incident = _open(world, "AUC below 0.85", 0)
    auditor = token_for(world["users"]["auditor"])
    assert client.get(f"{API}/{incident.id}", headers=auditor).status_code == 200
    for path, body in (
        (API, {"title": "X", "severity": "sev1"}),
        (f"{API}/{incident.id}/resolve", {}),
    ):
        denied = client.post(path, json=body, headers=auditor)
        assert denied.status_code == 403 and "contributor" in denied.get_json()["error"]["message"]
    outsider = token_for(world["users"]["outsider"])
    assert client.get(f"{API}/{incident.id}", headers=outsider).status_code == 404
    assert client.post(f"{API}/{incident.id}/resolve", json={}, headers=outsider).status_code == 404
    # Their own organization's incident list does not hold acme's incident either.
    theirs = client.get("/api/v1/orgs/globex-health/incidents", headers=outsider).get_json()
    assert theirs["items"] == []
    mine_elsewhere = client.get(
        f"/api/v1/orgs/globex-health/incidents/{incident.id}", headers=outsider
    )
    assert mine_elsewhere.status_code == 404


def test_the_openapi_document_describes_the_incident_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "/api/v1/alerts/alertmanager" in paths
    webhook = paths["/api/v1/alerts/alertmanager"]["post"]
    assert "alerts" in webhook["requestBody"]["content"]["application/json"]["schema"]["properties"]
    for step in ("acknowledge", "mitigate", "resolve"):
        assert f"/api/v1/orgs/{{slug}}/incidents/{{incident_id}}/{step}" in paths
    assert "IncidentDetail" in spec["components"]["schemas"]


def test_reading_incidents_takes_the_same_queries_whatever_their_number(
    world, client, db, token_for
):
    ops = operations(world)
    headers = token_for(world["users"]["auditor"])

    def queries(path):
        client.get(path, headers=headers)  # warm
        with QueryCount() as counted:
            assert client.get(path, headers=headers).status_code == 200
        return counted.count

    # Each relation present from the start: one query per relation, not per row.
    first = _open(world, "First", 0, monitor=ops["monitor"])
    few = (queries(API), queries(f"{API}/{first.id}"))
    for n in range(1, 25):
        _open(world, f"Incident {n}", n, monitor=ops["monitor"])
        incident_ops.add_note(first, world["users"]["leader"], f"Note {n}", T0 + timedelta(hours=n))
    db.session.commit()
    assert (queries(API), queries(f"{API}/{first.id}")) == few
