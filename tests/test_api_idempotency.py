"""`Idempotency-Key` on API POSTs: a retry after a lost answer records nothing twice."""

from __future__ import annotations

import gzip
import json
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from governance.database import utcnow
from governance.decisions import operations as decision_ops
from governance.decisions.models import Decision
from governance.lineage.models import LineageEvent
from governance.people.models import IdempotencyKey

URL = "/api/v1/orgs/acme-freight/decisions"
BODY = {"title": "Buy the OCR model", "context": "Labels at 12 hubs.", "decision": "Buy"}


def _count(db, model=Decision):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _post(client, headers, key, body=BODY):
    return client.post(URL, json=body, headers={**headers, "Idempotency-Key": key})


def test_a_retry_gets_the_first_answer_and_records_nothing_more(client, world, token_for, db):
    headers = token_for(world["users"]["contributor"])
    first = _post(client, headers, "retry-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = _post(client, headers, "retry-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _count(db) == 1
    # Without a key, or with a new one, each POST is a new request.
    assert client.post(URL, json=BODY, headers=headers).status_code == 201
    assert _post(client, headers, "retry-2").status_code == 201
    assert _count(db) == 3


def test_the_same_key_on_another_request_is_refused(client, world, token_for, db):
    headers = token_for(world["users"]["contributor"])
    assert _post(client, headers, "k").status_code == 201
    other = _post(client, headers, "k", {**BODY, "title": "Build it ourselves"})
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert "different request" in other.get_json()["error"]["message"]
    elsewhere = client.post(
        "/api/v1/orgs/globex-health/decisions",
        json=BODY,
        headers={**token_for(world["users"]["admin"]), "Idempotency-Key": "k"},
    )
    assert elsewhere.status_code == 201  # keys are each user's own
    assert _count(db) == 2


def test_a_refusal_is_replayed_too_and_a_crash_frees_the_key(client, world, token_for, db):
    headers = token_for(world["users"]["contributor"])
    bad = {**BODY, "kind": "waiver"}  # only the waiver workflow writes that kind
    refused = _post(client, headers, "r", bad)
    assert refused.status_code == 400
    replayed = _post(client, headers, "r", bad)
    assert replayed.status_code == 400 and replayed.headers["Idempotent-Replayed"] == "true"
    # A body the schema refuses raises before anything runs: the key stays free.
    assert _post(client, headers, "v", {"title": ""}).status_code == 422
    assert _post(client, headers, "v").status_code == 201
    assert _count(db) == 1


def test_keys_expire_after_a_day_and_must_be_sane(client, world, token_for, db):
    headers = token_for(world["users"]["contributor"])
    assert _post(client, headers, "old").status_code == 201
    db.session.execute(sa.update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert _post(client, headers, "old", {**BODY, "title": "Next year"}).status_code == 201
    too_long = _post(client, headers, "x" * 256)
    assert (
        too_long.status_code == 400 and "Idempotency-Key" in too_long.get_json()["error"]["message"]
    )
    assert _post(client, headers, "").status_code == 400
    assert _count(db) == 2


def test_two_concurrent_requests_with_one_key_record_once(app, world, token_for, db, monkeypatch):
    headers = token_for(world["users"]["contributor"])
    record = decision_ops.record_decision

    def slow_record(*args, **kwargs):
        time.sleep(0.8)  # hold the first request inside, while the second arrives
        return record(*args, **kwargs)

    monkeypatch.setattr(decision_ops, "record_decision", slow_record)
    start = threading.Barrier(2)
    answers: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with app.app_context():
                client = app.test_client()
                start.wait(timeout=30)
                response = _post(client, headers, "same")
                answers.append((response.status_code, "Idempotent-Replayed" in response.headers))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(answers) == [(201, False), (409, False)]
    assert _count(db) == 1
    # Once the first has answered, the retry gets its answer.
    assert _post(app.test_client(), headers, "same").headers["Idempotent-Replayed"] == "true"
    assert _count(db) == 1


def test_every_api_post_honours_the_key_lineage_too(client, world, db):
    from governance.people import operations as people

    _row, plain = people.create_token(world["users"]["contributor"], world["org"])
    db.session.commit()
    event = {
        "eventType": "START",
        "eventTime": "2026-11-20T02:00:00Z",
        "producer": "https://github.com/example/pipelines/v1",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
        "job": {"namespace": "airflow", "name": "etl.orders"},
    }
    headers = {
        "Authorization": f"Bearer {plain}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "Idempotency-Key": "run-start",
    }
    data = gzip.compress(json.dumps(event).encode())
    first = client.post("/api/v1/lineage", data=data, headers=headers)
    again = client.post("/api/v1/lineage", data=data, headers=headers)
    assert first.status_code == 201 and first.get_json()["stored"] == 1
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(db, LineageEvent) == 1
