"""Every monitor page and API answer runs a bounded number of SQL queries, whatever the
number of monitors, observations or incidents."""

from __future__ import annotations

from datetime import timedelta

from governance.enums import Comparator, MonitorSignal, Severity
from governance.extensions import db
from governance.incidents import operations as incident_ops
from governance.monitoring import operations as ops
from tests.monitoring.helpers import T0, add_observations, count_queries

ORG = "/orgs/acme-freight"
API = "/api/v1/orgs/acme-freight"


def _grow(world, scene, monitors: int, values: int, incidents: int) -> None:
    org, contributor = scene["org"], world["users"]["contributor"]
    for n in range(monitors):
        made = ops.create_monitor(
            org,
            contributor,
            scene["deployment"],
            key=f"extra-{n}-{values}",
            name=f"Extra {n}",
            signal=MonitorSignal.DRIFT,
            metric=f"psi_{n}",
            comparator=Comparator.AT_MOST,
            threshold=0.2,
            owner_id=world["users"]["leader"].id,
        )
        add_observations(org, made, [0.1, 0.3], start=T0 + timedelta(days=n))
    add_observations(org, scene["auc"], [0.9] * values, start=T0 + timedelta(hours=values))
    for n in range(incidents):
        incident_ops.open_incident(
            org, contributor, title=f"Breach {n}", severity=Severity.SEV4, monitor=scene["auc"]
        )
    db.session.commit()


def _pages(client, token, scene) -> dict[str, int]:
    monitor, deployment = scene["auc"].id, scene["deployment"].id
    paths = {
        "deployment": f"{ORG}/lineage/{deployment}",
        "monitor": f"{ORG}/monitors/{monitor}",
        "new": f"{ORG}/monitors/new?deployment={deployment}",
        "edit": f"{ORG}/monitors/{monitor}/edit",
    }
    counts = {}
    for name, path in paths.items():
        n, response = count_queries(lambda path=path: client.get(path))
        assert response.status_code == 200, path
        counts[name] = n
    for name, path in {
        "api list": f"{API}/monitors",
        "api one": f"{API}/monitors/{monitor}",
    }.items():
        n, response = count_queries(lambda path=path: client.get(path, headers=token))
        assert response.status_code == 200, path
        counts[name] = n
    return counts


def test_monitor_pages_query_the_same_whatever_the_data(world, ops_scene, as_user, token_for):
    client = as_user(world["users"]["contributor"])
    token = token_for(world["users"]["contributor"])
    _grow(world, ops_scene, monitors=1, values=3, incidents=1)
    small = _pages(client, token, ops_scene)
    _grow(world, ops_scene, monitors=12, values=150, incidents=8)
    large = _pages(client, token, ops_scene)
    assert large == small
    assert max(large.values()) < 40, large


def test_a_batch_is_recorded_with_a_bounded_number_of_queries(world, ops_scene, client, token_for):
    headers = token_for(world["users"]["contributor"], world["org"])

    def send(n: int):
        items = [
            {"monitor": "fraud-api-auc", "value": 0.9, "observed_at": "2026-12-01T10:00:00Z"},
            {
                "artifact": "dataset:postgres://wms:5432:public.parcels",
                "metric": "assertion.not_null.customer_id",
                "value": 1,
                "observed_at": "2026-12-01T10:00:00Z",
            },
        ] * n
        return client.post(f"{API}/observations", json={"observations": items}, headers=headers)

    few, answer = count_queries(lambda: send(1))
    assert answer.status_code == 201
    many, answer = count_queries(lambda: send(1000))
    assert answer.status_code == 201 and answer.get_json()["received"] == 2000
    # SQLAlchemy may split one executemany into pages of rows on PostgreSQL.
    assert many - few <= 3, (few, many)
