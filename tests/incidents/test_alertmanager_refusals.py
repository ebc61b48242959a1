"""What Alertmanager's webhook refuses: every wrong field answers 400 naming it and records
nothing (the whole notification is checked first, so a bad third alert stops the first two);
no token 401; an unscoped token 403 saying how to make a scoped one; an auditor 403; another
organization's token reaches only its own."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from governance.database import utcnow
from governance.enums import Role
from governance.people import operations as people
from tests.incidents.alerting import (
    FIRING_ARRIVES,
    NOTIFICATION,
    SDA1,
    SDA2,
    counts,
    notification,
    operations,
    post,
)


def _with(path: str, value):
    body = notification(SDA1, SDA2, {**SDA1, "fingerprint": "0000000000000003"})
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is KeyError:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return body


FUTURE = (FIRING_ARRIVES + timedelta(hours=1)).isoformat()

BAD = [
    ("not json", b"{not json", "not valid JSON"),
    ("empty", b"", "empty"),
    ("not utf-8", b"\xff\xfe{}", "UTF-8"),
    ("array", b"[]", "JSON object"),
    ("no version", _with("version", KeyError), 'version: expected "4"'),
    (
        "version 3",
        _with("version", "3"),
        "version: expected \"4\" (Alertmanager's webhook version), got '3'",
    ),
    ("version number", _with("version", 4), 'version: expected "4"'),
    ("no status", _with("status", KeyError), 'status: "firing" or "resolved", missing'),
    ("bad status", _with("status", "pending"), 'status: "firing" or "resolved", got \'pending\''),
    ("no alerts", _with("alerts", KeyError), "alerts: required, a JSON array"),
    ("alerts object", _with("alerts", {}), "alerts: a JSON array"),
    ("alerts empty", _with("alerts", []), "alerts: empty"),
    ("truncated negative", _with("truncatedAlerts", -1), "truncatedAlerts: a whole number"),
    ("truncated text", _with("truncatedAlerts", "0"), "truncatedAlerts: a whole number"),
    ("groupLabels list", _with("groupLabels", ["a"]), "groupLabels: a JSON object of strings"),
    ("common label number", _with("commonLabels.instance", 3), "commonLabels.instance: a string"),
    ("receiver number", _with("receiver", 1), "receiver: a string"),
    ("alert not object", _with("alerts.2", "x"), "alerts[2]: an alert is a JSON object"),
    ("alert status", _with("alerts.2.status", "ok"), "alerts[2].status:"),
    ("no labels", _with("alerts.2.labels", KeyError), "alerts[2].labels: required"),
    ("label number", _with("alerts.2.labels.dev", 1), "alerts[2].labels.dev: a string, got int"),
    ("annotations null", _with("alerts.2.annotations", None), "alerts[2].annotations: a JSON"),
    ("no startsAt", _with("alerts.2.startsAt", KeyError), "alerts[2].startsAt: required"),
    (
        "startsAt text",
        _with("alerts.2.startsAt", "yesterday"),
        "alerts[2].startsAt: 'yesterday' is not an RFC 3339 time",
    ),
    (
        "startsAt no offset",
        _with("alerts.2.startsAt", "2026-11-20T09:52:26"),
        "alerts[2].startsAt: '2026-11-20T09:52:26' is not an RFC 3339",
    ),
    ("startsAt date", _with("alerts.2.startsAt", "2026-11-20"), "alerts[2].startsAt"),
    ("startsAt month 13", _with("alerts.2.startsAt", "2026-13-20T09:52:26Z"), "alerts[2].startsAt"),
    (
        "startsAt zero",
        _with("alerts.2.startsAt", "0001-01-01T00:00:00Z"),
        "alerts[2].startsAt: the zero time",
    ),
    ("startsAt future", _with("alerts.2.startsAt", FUTURE), "alerts[2].startsAt: '" + FUTURE[:19]),
    ("endsAt number", _with("alerts.2.endsAt", 0), "alerts[2].endsAt: an RFC 3339 time"),
    (
        "resolved no end",
        _with("alerts.2.status", "resolved"),
        "alerts[2].endsAt: a resolved alert needs",
    ),
    ("fingerprint long", _with("alerts.2.fingerprint", "f" * 65), "alerts[2].fingerprint"),
    ("fingerprint number", _with("alerts.2.fingerprint", 7), "alerts[2].fingerprint"),
    (
        "nul",
        _with("alerts.2.labels.dev", "sd\x00a"),
        "alerts[2].labels.dev: text cannot contain a NUL",
    ),
    ("too many", _with("alerts", [SDA1] * 1001), "alerts: 1001 alerts; at most 1000"),
]


@pytest.fixture
def scoped(world, token_for):
    operations(world)
    return token_for(world["users"]["contributor"], world["org"])


@pytest.mark.parametrize("body,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_notification_names_the_field_and_records_nothing(
    world, client, db, scoped, monkeypatch, body, message
):
    response = post(client, scoped, body, monkeypatch, FIRING_ARRIVES)
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert message in error["message"], error["message"]
    assert counts() == (0, 0)


def test_an_end_before_the_start_is_refused(world, client, db, scoped, monkeypatch):
    body = _with("alerts.1.status", "resolved")
    body["alerts"][1]["endsAt"] = "2026-11-20T07:00:00Z"
    response = post(client, scoped, body, monkeypatch, FIRING_ARRIVES)
    assert "alerts[1].endsAt: before startsAt" in response.get_json()["error"]["message"]
    assert counts() == (0, 0)


def test_a_time_a_little_ahead_of_our_clock_is_taken_as_now(world, client, db, scoped):
    ahead = (utcnow() + timedelta(minutes=2)).isoformat()
    response = post(client, scoped, notification({**SDA1, "startsAt": ahead}))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["alerts"][0]["action"] == "opened"


def test_other_bodies_are_refused_without_a_500(world, client, db, scoped, app):
    form = post(client, scoped, b"a=1", **{"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415 and "application/json" in form.get_json()["error"]["message"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        large = post(client, scoped, notification(*[SDA1] * 20))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024
    assert large.status_code == 413 and large.get_json()["error"]["code"] == "payload_too_large"
    deep = post(client, scoped, b"[" * 100000 + b"]" * 100000)
    assert deep.status_code == 400
    assert counts() == (0, 0)


def test_who_may_send_alerts(world, client, db, monkeypatch):
    operations(world)
    body = copy.deepcopy(NOTIFICATION)
    assert post(client, {}, body).status_code == 401
    unscoped = people.create_token(world["users"]["contributor"], None)[1]
    refused = post(client, {"Authorization": f"Bearer {unscoped}"}, body)
    assert refused.status_code == 403
    assert "--org SLUG" in refused.get_json()["error"]["message"]
    auditor = people.create_token(world["users"]["auditor"], world["org"])[1]
    db.session.commit()
    denied = post(client, {"Authorization": f"Bearer {auditor}"}, body)
    assert denied.status_code == 403 and "contributor" in denied.get_json()["error"]["message"]
    assert counts() == (0, 0)


def test_another_organizations_token_writes_only_there(world, client, db, monkeypatch):
    operations(world)
    outsider = people.create_token(world["users"]["outsider"], world["other"])[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {outsider}"}
    answer = post(client, headers, notification(SDA1), monkeypatch, FIRING_ARRIVES).get_json()
    # The monitor label names acme's monitor; in Globex it is unknown: nothing of acme is touched.
    assert answer["organization"] == "globex-health"
    assert answer["alerts"][0]["matched"] == "nothing (monitor=fraud-api-disk: unknown)"
    read = client.get("/api/v1/orgs/acme-freight/incidents", headers=headers)
    assert read.status_code == 404
    # Scoped to acme while no longer a member of it: 404, as everywhere in the API.
    lapsed = people.create_token(world["users"]["leader"], world["org"])[1]
    people.remove_membership(
        people.set_membership(world["users"]["leader"], world["org"], Role.LEADER)
    )
    db.session.commit()
    gone = post(client, {"Authorization": f"Bearer {lapsed}"}, notification(SDA1))
    assert gone.status_code == 404


def test_idempotency_key_answers_the_first_answer_again(world, client, db, scoped, monkeypatch):
    first = post(
        client, scoped, notification(SDA1), monkeypatch, FIRING_ARRIVES, **{"Idempotency-Key": "k1"}
    )
    again = post(
        client, scoped, notification(SDA1), monkeypatch, FIRING_ARRIVES, **{"Idempotency-Key": "k1"}
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert counts() == (1, 1)


@pytest.mark.parametrize(
    "role,status", [("leader", 200), ("pmo", 200), ("contributor", 200), ("auditor", 403)]
)
def test_scoped_tokens_by_role(world, client, db, monkeypatch, role, status):
    token = people.create_token(world["users"][role], world["org"])[1]
    db.session.commit()
    answer = post(
        client,
        {"Authorization": f"Bearer {token}"},
        notification(SDA1),
        monkeypatch,
        FIRING_ARRIVES,
    )
    assert answer.status_code == status
    assert counts()[0] == (1 if status == 200 else 0)


def test_text_direction_controls_are_kept_out_of_the_title(world, client, db, scoped, monkeypatch):
    alert = {**SDA1, "annotations": {"summary": "Disk \u202efull\u202c on example1"}}
    answer = post(client, scoped, notification(alert), monkeypatch, FIRING_ARRIVES).get_json()
    incident_id = answer["alerts"][0]["incident_id"]
    shown = client.get(f"/api/v1/orgs/acme-freight/incidents/{incident_id}", headers=scoped)
    assert shown.get_json()["title"] == "Disk full on example1"
