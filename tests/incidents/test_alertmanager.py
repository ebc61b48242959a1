"""Alertmanager's webhook end to end: the example notification firing then resolved makes an
incident whose MTTD and MTTR are the ones computed here by hand from the payload's times;
attach by fingerprint, replays, grouped alerts, a resolved alert never seen firing, labels that
match nothing, and the severity rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from governance.enums import IncidentEventKind, IncidentSource, IncidentStatus, Severity
from governance.incidents.models import Incident, IncidentEvent
from governance.monitoring import operations as monitoring_ops
from tests.incidents.alerting import (
    FIRING_ARRIVES,
    RESOLVED_ARRIVES,
    SDA1,
    SDA2,
    QueryCount,
    counts,
    notification,
    operations,
    post,
    resolved,
)

# The payload's times in UTC, read by hand: 09:52:26.739266876+02:00 and 11:34:26.739266876+02:00.
STARTS_UTC = datetime(2026, 11, 20, 7, 52, 26, 739266, tzinfo=UTC)
ENDS_UTC = datetime(2026, 11, 20, 9, 34, 26, 739266, tzinfo=UTC)


def _scoped(world, token_for, role="contributor"):
    return token_for(world["users"][role], world["org"])


def test_the_example_firing_then_resolved_makes_an_incident_with_its_mttd_and_mttr(
    world, client, db, token_for, monkeypatch
):
    ops = operations(world)
    headers = _scoped(world, token_for)
    fired = post(client, headers, notification(SDA1), monkeypatch, FIRING_ARRIVES)
    assert fired.status_code == 200, fired.get_data(as_text=True)
    [outcome] = fired.get_json()["alerts"]
    assert outcome["action"] == "opened" and outcome["matched"] == "monitor fraud-api-disk"
    incident = db.session.get(Incident, outcome["incident_id"])
    assert incident.source == IncidentSource.ALERTMANAGER
    assert incident.title == "please check the instance example1"
    assert incident.fingerprint == "3b7d2c91a0e4f5d6"
    assert incident.monitor_id == ops["monitor"].id
    assert incident.deployment_id == ops["deployment"].id
    assert incident.initiative_id == world["initiative"].id
    assert incident.impact_started_at == STARTS_UTC
    assert incident.detected_at == FIRING_ARRIVES
    assert incident.detected_by_id is None

    done = post(client, headers, notification(resolved(SDA1)), monkeypatch, RESOLVED_ARRIVES)
    assert done.get_json()["alerts"][0]["action"] == "resolved"
    path = f"/api/v1/orgs/acme-freight/incidents/{incident.id}"
    shown = client.get(path, headers=headers).get_json()
    assert shown["status"] == "resolved" and shown["resolved_by"] is None
    assert shown["resolved_at"] == "2026-11-20T09:34:26.739266Z"
    # By hand: detected 08:04:26 − impact 07:52:26.739 = 11.99 min; resolved 09:34:26.739 −
    # detected 08:04:26 = 90.01 min. Alerts that clear by themselves are never acknowledged.
    assert shown["minutes"] == {"mttd": 12, "mtta": None, "mttr": 90}
    assert [e["kind"] for e in shown["timeline"]] == ["opened", "resolved"]


def test_impact_starts_when_the_monitor_began_to_breach_if_that_was_earlier(
    world, client, db, token_for, monkeypatch
):
    ops = operations(world)
    earlier = STARTS_UTC - timedelta(minutes=20)
    monitoring_ops.record_observations(
        world["org"],
        None,
        [
            monitoring_ops.ObservationInput(0.5, earlier - timedelta(minutes=5), "fraud-api-disk"),
            monitoring_ops.ObservationInput(0.05, earlier, "fraud-api-disk"),
            monitoring_ops.ObservationInput(0.04, STARTS_UTC, "fraud-api-disk"),
        ],
    )
    db.session.commit()
    answer = post(
        client, _scoped(world, token_for), notification(SDA1), monkeypatch, FIRING_ARRIVES
    )
    incident = db.session.get(Incident, answer.get_json()["alerts"][0]["incident_id"])
    assert incident.impact_started_at == earlier
    assert incident.monitor_id == ops["monitor"].id


def test_a_repeat_attaches_by_fingerprint_and_a_replay_changes_nothing(
    world, client, db, token_for, monkeypatch
):
    operations(world)
    headers = _scoped(world, token_for)
    first = post(client, headers, notification(SDA1), monkeypatch, FIRING_ARRIVES)
    incident_id = first.get_json()["alerts"][0]["incident_id"]
    before = counts()
    again = post(
        client, headers, notification(SDA1), monkeypatch, FIRING_ARRIVES + timedelta(hours=4)
    )
    assert again.get_json()["alerts"][0]["action"] == "replay"
    assert again.get_json()["alerts"][0]["incident_id"] == incident_id
    assert counts() == before
    # Fired again with a new start while the incident is still open: a line on its timeline.
    refired = {**SDA1, "startsAt": "2026-11-20T10:01:00Z"}
    later = FIRING_ARRIVES + timedelta(hours=3)
    attached = post(client, headers, notification(refired), monkeypatch, later)
    assert attached.get_json()["alerts"][0] == {
        **attached.get_json()["alerts"][0],
        "action": "attached",
        "incident_id": incident_id,
    }
    assert counts() == (before[0], before[1] + 1)
    kinds = db.session.scalars(
        sa.select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident_id)
    ).all()
    assert kinds == [IncidentEventKind.OPENED, IncidentEventKind.ALERT_FIRING]
    # The resolved notification sent twice resolves once.
    post(
        client,
        headers,
        notification(resolved(SDA1)),
        monkeypatch,
        RESOLVED_ARRIVES + timedelta(hours=3),
    )
    settled = counts()
    replay = post(
        client,
        headers,
        notification(resolved(SDA1)),
        monkeypatch,
        RESOLVED_ARRIVES + timedelta(hours=5),
    )
    assert replay.get_json()["alerts"][0]["action"] == "replay"
    assert counts() == settled
    assert db.session.get(Incident, incident_id).status == IncidentStatus.RESOLVED


def test_each_alert_of_a_group_is_handled_on_its_own(world, client, db, token_for, monkeypatch):
    ops = operations(world)
    headers = _scoped(world, token_for)
    answer = post(client, headers, notification(SDA1, SDA2), monkeypatch, FIRING_ARRIVES).get_json()
    assert answer["received"] == 2
    one, two = answer["alerts"]
    assert (one["action"], two["action"]) == ("opened", "opened")
    assert one["incident_id"] != two["incident_id"]
    # sda2 carries no `monitor` or `deployment` label: opened all the same, on no deployment.
    assert two["matched"] == "nothing" and "no deployment" in two["note"]
    unmatched = db.session.get(Incident, two["incident_id"])
    assert unmatched.deployment_id is None and unmatched.monitor_id is None
    assert "Matched no monitor or deployment" in unmatched.summary
    assert db.session.get(Incident, one["incident_id"]).deployment_id == ops["deployment"].id
    # One group resolving: one resolved, the other still firing (attached by fingerprint).
    mixed = notification(resolved(SDA1), {**SDA2, "startsAt": "2026-11-20T09:00:00Z"})
    after = post(client, headers, mixed, monkeypatch, RESOLVED_ARRIVES).get_json()["alerts"]
    assert [a["action"] for a in after] == ["resolved", "attached"]


def test_a_resolved_alert_never_seen_firing_opens_and_resolves_an_incident(
    world, client, db, token_for, monkeypatch
):
    operations(world)
    answer = post(
        client,
        _scoped(world, token_for),
        notification(resolved(SDA1)),
        monkeypatch,
        RESOLVED_ARRIVES,
    ).get_json()["alerts"][0]
    assert answer["action"] == "opened_and_resolved"
    incident = db.session.get(Incident, answer["incident_id"])
    # Known to the alerting system at startsAt, over at endsAt: no detection delay to invent.
    assert incident.detected_at == incident.impact_started_at == STARTS_UTC
    assert incident.resolved_at == ENDS_UTC and incident.status == IncidentStatus.RESOLVED


def test_a_deployment_label_matches_by_name_and_an_unknown_monitor_says_so(
    world, client, db, token_for, monkeypatch
):
    ops = operations(world)
    alert = {
        **SDA1,
        "labels": {"alertname": "Latency", "monitor": "nope", "deployment": "fraud-api"},
    }
    answer = post(
        client, _scoped(world, token_for), notification(alert), monkeypatch, FIRING_ARRIVES
    )
    outcome = answer.get_json()["alerts"][0]
    assert outcome["matched"] == "deployment fraud-api"
    incident = db.session.get(Incident, outcome["incident_id"])
    assert incident.deployment_id == ops["deployment"].id and incident.monitor_id is None
    assert incident.initiative_id == world["initiative"].id
    stranger = {**SDA2, "labels": {"alertname": "X", "deployment": "billing-api"}}
    other = post(
        client, _scoped(world, token_for), notification(stranger), monkeypatch, FIRING_ARRIVES
    )
    assert other.get_json()["alerts"][0]["matched"] == "nothing (deployment=billing-api: unknown)"


def test_severity_from_the_label_else_the_monitor_else_prometheus_words(
    world, client, db, token_for, monkeypatch
):
    operations(world, severity=Severity.SEV1)
    headers = _scoped(world, token_for)

    def severity(labels, fingerprint):
        alert = {**SDA1, "labels": {"alertname": "A", **labels}, "fingerprint": fingerprint}
        outcome = post(client, headers, notification(alert), monkeypatch, FIRING_ARRIVES)
        return db.session.get(Incident, outcome.get_json()["alerts"][0]["incident_id"]).severity

    assert severity({"severity": "SEV4", "monitor": "fraud-api-disk"}, "a1") == Severity.SEV4
    assert severity({"severity": "critical", "monitor": "fraud-api-disk"}, "a2") == Severity.SEV1
    assert severity({"severity": "critical"}, "a3") == Severity.SEV2
    assert severity({"severity": "warning"}, "a4") == Severity.SEV3
    assert severity({"severity": "info"}, "a5") == Severity.SEV4
    assert severity({"severity": "whatever"}, "a6") == Severity.SEV3
    assert severity({}, "a7") == Severity.SEV3


def test_the_same_notification_arriving_twice_at_once_is_recorded_once(
    world, client, db, token_for, monkeypatch
):
    """An HA pair or a retry racing the first delivery: the loser of the race, refused by the
    unique dedupe key, looks again and finds a replay (200, never a 500)."""
    from governance.incidents import alert_intake

    operations(world)
    headers = _scoped(world, token_for)
    post(client, headers, notification(SDA1), monkeypatch, FIRING_ARRIVES)
    recorded = counts()
    real_init = alert_intake._Known.__init__
    calls = []

    def blind_first(self, org, alerts):
        real_init(self, org, alerts)
        if not calls:  # the other request had not committed yet when this one looked
            self.seen = set()
        calls.append(1)

    monkeypatch.setattr(alert_intake._Known, "__init__", blind_first)
    raced = post(client, headers, notification(SDA1), monkeypatch, FIRING_ARRIVES)
    assert raced.status_code == 200, raced.get_data(as_text=True)
    assert raced.get_json()["alerts"][0]["action"] == "replay"
    assert len(calls) == 2 and counts() == recorded


def test_a_replayed_notification_costs_the_same_queries_whatever_its_size(
    world, client, db, token_for, monkeypatch
):
    operations(world)
    headers = _scoped(world, token_for)

    def replay_queries(n):
        alerts = [{**SDA1, "fingerprint": f"{n:04d}{i:012d}"} for i in range(n)]
        post(client, headers, notification(*alerts), monkeypatch, FIRING_ARRIVES)
        with QueryCount() as counted:
            post(client, headers, notification(*alerts), monkeypatch, FIRING_ARRIVES)
        return counted.count

    assert replay_queries(1) == replay_queries(30)


def test_between_deployments_of_one_name_the_namespace_label_decides(
    world, client, db, token_for, monkeypatch
):
    from governance.enums import ArtifactKind
    from governance.lineage import operations as lineage_ops

    ops = operations(world)
    staging = lineage_ops.register_artifact(
        world["org"],
        world["users"]["contributor"],
        ArtifactKind.DEPLOYMENT,
        lineage_ops.ArtifactInput("staging", "fraud-api"),
    )
    db.session.commit()
    headers = _scoped(world, token_for)

    def matched(labels, fingerprint):
        alert = {**SDA1, "labels": {"alertname": "A", **labels}, "fingerprint": fingerprint}
        answer = post(client, headers, notification(alert), monkeypatch, FIRING_ARRIVES)
        outcome = answer.get_json()["alerts"][0]
        return outcome["matched"], db.session.get(Incident, outcome["incident_id"]).deployment_id

    assert matched({"deployment": "fraud-api", "namespace": "staging"}, "b1") == (
        "deployment fraud-api",
        staging.id,
    )
    assert (
        matched({"deployment": "fraud-api", "namespace": "prod"}, "b2")[1] == ops["deployment"].id
    )
    words, deployment = matched({"deployment": "fraud-api"}, "b3")
    assert deployment is None and "add a namespace label" in words
