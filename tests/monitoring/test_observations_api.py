"""`POST /api/v1/orgs/<slug>/observations`: batches judged on arrival; a bad item refuses the
whole batch naming it; limits; tokens; Idempotency-Key replays record nothing twice."""

from __future__ import annotations

import pytest

from governance.enums import Comparator
from governance.extensions import db
from governance.monitoring import operations as ops
from governance.monitoring.batch import MAX_BATCH
from governance.monitoring.models import comparator_holds
from tests.monitoring.helpers import observation_count

PATH = "/api/v1/orgs/acme-freight/observations"
AT = "2026-12-01T10:00:00Z"


def _post(client, headers, items, **extra):
    return client.post(PATH, json={"observations": items}, headers={**headers, **extra})


def test_a_batch_is_judged_and_answers_counts(world, ops_scene, client, token_for):
    headers = token_for(world["users"]["contributor"], world["org"])
    dataset = ops_scene["dataset"]
    items = [
        {"monitor": "fraud-api-auc", "value": 0.91, "observed_at": AT},
        {"monitor": "fraud-api-auc", "value": 0.83, "observed_at": "2026-12-01T10:05:00+01:00"},
        {
            "artifact": "dataset:postgres://wms:5432:public.parcels",
            "metric": "assertion.not_null.customer_id",
            "value": 0,
            "observed_at": AT,
        },
        {"artifact": dataset.id, "metric": "rowCount", "value": 1200, "observed_at": AT},
    ]
    response = _post(client, headers, items)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "received": 4,
        "breaches": 2,
        "breaching_monitors": ["fraud-api-auc", "parcels-customer-not-null"],
    }
    assert observation_count(monitor_id=ops_scene["auc"].id, breached=True) == 1
    assert observation_count(monitor_id=ops_scene["nulls"].id, breached=True) == 1
    # A metric no monitor watches is kept, not judged.
    assert observation_count(artifact_id=dataset.id, metric="rowCount", breached=None) == 1


@pytest.mark.parametrize(
    "item, field",
    [
        ({"monitor": "nope", "value": 1, "observed_at": AT}, "observations[1].monitor"),
        ({"monitor": "fraud-api-auc", "observed_at": AT}, "observations[1].value"),
        ({"monitor": "fraud-api-auc", "value": "0.8", "observed_at": AT}, "observations[1].value"),
        ({"monitor": "fraud-api-auc", "value": True, "observed_at": AT}, "observations[1].value"),
        ({"monitor": "fraud-api-auc", "value": 1e999, "observed_at": AT}, "observations[1].value"),
        ({"monitor": "fraud-api-auc", "value": 1}, "observations[1].observed_at"),
        (
            {"monitor": "fraud-api-auc", "value": 1, "observed_at": "yesterday"},
            "observations[1].observed_at",
        ),
        ({"value": 1, "observed_at": AT}, "observations[1].monitor"),
        ({"artifact": 999999, "metric": "x", "value": 1, "observed_at": AT}, "observations[1]"),
        ({"artifact": "dataset:acme", "metric": "x", "value": 1, "observed_at": AT}, "artifact"),
        ({"artifact": "dataset:a:b", "metric": "x", "value": 1, "observed_at": AT}, "artifact"),
        ({"artifact": [1], "metric": "x", "value": 1, "observed_at": AT}, "artifact"),
        ({"artifact": "{dataset}", "value": 1, "observed_at": AT}, "observations[1].metric"),
        ("not an object", "observations[1]"),
        ({"monitor": "fraud\x00", "value": 1, "observed_at": AT}, "observations[1].monitor"),
        (
            {"artifact": "{dataset}", "metric": "row\u202eCount", "value": 1, "observed_at": AT},
            "metric",
        ),
        ({"artifact": "dataset:a\x00:b", "metric": "x", "value": 1, "observed_at": AT}, "artifact"),
        ({"monitor": "fraud-api-auc", "value": 2**1100, "observed_at": AT}, "value"),
        (
            {"monitor": "fraud-api-auc", "value": 1, "observed_at": "9999-12-31T23:00:00-02:00"},
            "observed_at",
        ),
    ],
)
def test_a_bad_item_refuses_the_batch_naming_it(world, ops_scene, client, token_for, item, field):
    if isinstance(item, dict) and item.get("artifact") == "{dataset}":
        item = {**item, "artifact": ops_scene["dataset"].id}
    headers = token_for(world["users"]["contributor"])
    good = {"monitor": "fraud-api-auc", "value": 0.9, "observed_at": AT}
    response = _post(client, headers, [good, item])
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["message"].startswith("observations[1]") and field in error["message"]
    assert observation_count() == 0


@pytest.mark.parametrize(
    "body", [None, {}, {"observations": {}}, {"observations": []}, [1, 2], "text"]
)
def test_a_body_without_observations_is_refused(world, ops_scene, client, token_for, body):
    headers = token_for(world["users"]["contributor"])
    response = client.post(PATH, json=body, headers=headers)
    assert response.status_code == 400
    assert "observations" in response.get_json()["error"]["message"]


def test_batches_hold_five_thousand_at_most(world, ops_scene, client, token_for):
    headers = token_for(world["users"]["contributor"])
    item = {"monitor": "fraud-api-auc", "value": 0.9, "observed_at": AT}
    full = _post(client, headers, [item] * MAX_BATCH)
    assert full.status_code == 201 and full.get_json()["received"] == MAX_BATCH
    over = _post(client, headers, [item] * (MAX_BATCH + 1))
    assert over.status_code == 400 and "5000 at most" in over.get_json()["error"]["message"]
    assert observation_count() == MAX_BATCH


def test_an_inactive_monitor_keeps_values_without_judging(world, ops_scene, client, token_for):
    ops.update_monitor(ops_scene["auc"], world["users"]["pmo"], None, active=False)
    db.session.commit()
    headers = token_for(world["users"]["contributor"])
    answer = _post(client, headers, [{"monitor": "fraud-api-auc", "value": 0.1, "observed_at": AT}])
    assert answer.get_json()["breaches"] == 0
    assert observation_count(breached=None) == 1


def test_who_may_send_observations(world, ops_scene, client, token_for):
    item = [{"monitor": "fraud-api-auc", "value": 0.9, "observed_at": AT}]
    assert _post(client, {}, item).status_code == 401
    assert _post(client, token_for(world["users"]["auditor"]), item).status_code == 403
    assert _post(client, token_for(world["users"]["outsider"]), item).status_code == 404
    scoped_elsewhere = token_for(world["users"]["outsider"], world["other"])
    assert _post(client, scoped_elsewhere, item).status_code == 404
    assert _post(client, token_for(world["users"]["leader"]), item).status_code == 201
    assert observation_count() == 1


def test_a_replay_with_the_same_idempotency_key_records_nothing_twice(
    world, ops_scene, client, token_for
):
    headers = token_for(world["users"]["contributor"], world["org"])
    items = [{"monitor": "fraud-api-auc", "value": 0.5, "observed_at": AT}]
    first = _post(client, headers, items, **{"Idempotency-Key": "batch-1"})
    again = _post(client, headers, items, **{"Idempotency-Key": "batch-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert observation_count() == 1
    other = _post(client, headers, items * 2, **{"Idempotency-Key": "batch-1"})
    assert other.status_code == 422 and observation_count() == 1


@pytest.mark.parametrize(
    "comparator, healthy, breaching",
    [
        (Comparator.AT_LEAST, [0.85, 0.9], [0.8499]),
        (Comparator.AT_MOST, [0.85, 0.1], [0.8501]),
        (Comparator.ABOVE, [0.8501], [0.85, 0.1]),
        (Comparator.BELOW, [0.8499], [0.85, 0.9]),
    ],
)
def test_breach_judgement_for_every_comparator(
    world, ops_scene, client, token_for, comparator, healthy, breaching
):
    ops.update_monitor(ops_scene["auc"], world["users"]["pmo"], None, comparator=comparator)
    db.session.commit()
    for value in healthy:
        assert comparator_holds(comparator, value, 0.85)
    for value in breaching:
        assert not comparator_holds(comparator, value, 0.85)
    headers = token_for(world["users"]["contributor"])
    items = [
        {"monitor": "fraud-api-auc", "value": v, "observed_at": AT} for v in healthy + breaching
    ]
    answer = _post(client, headers, items).get_json()
    assert answer["breaches"] == len(breaching)
    assert observation_count(breached=False) == len(healthy)
    assert observation_count(breached=True) == len(breaching)
