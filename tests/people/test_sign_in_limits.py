"""Sign-in limits: failures count per account in the database, so the lock holds across
workers; an unknown email costs what a wrong password costs."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from bench.load import form_fields, start_server, stop_server
from governance.database import utcnow
from governance.people import sign_in
from governance.people.models import SignInFailure
from tests.conftest import PASSWORD


def _login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def test_five_failures_lock_the_account_even_for_the_right_password(app, world):
    user = world["users"]["leader"]
    client = app.test_client()
    assert [_login(client, user.email, "wrong").status_code for _ in range(5)] == [400] * 5
    locked = _login(client, user.email)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins for this email" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in
    # Another address, another browser: the account is still locked.
    assert _login(app.test_client(), user.email.upper()).status_code == 429


def test_an_unknown_email_locks_the_same_way(app, world):
    client = app.test_client()
    answers = [_login(client, "nobody@example.com", "wrong") for _ in range(6)]
    assert [a.status_code for a in answers] == [400] * 5 + [429]


def test_a_success_clears_the_count_and_other_accounts_are_untouched(app, world):
    user, other = world["users"]["pmo"], world["users"]["auditor"]
    client = app.test_client()
    for _ in range(4):
        _login(client, user.email, "wrong")
        _login(client, other.email, "wrong")
    assert _login(client, user.email).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert _login(client, user.email, "wrong").status_code == 400
    assert _login(client, other.email, "wrong").status_code == 400  # its fifth
    assert _login(client, other.email).status_code == 429


def test_the_lock_doubles_then_stops_growing_and_expires(app, db):
    assert sign_in.lock_length(4) is None
    assert sign_in.lock_length(5) == timedelta(minutes=1)
    assert sign_in.lock_length(6) == timedelta(minutes=2)
    assert sign_in.lock_length(50) == timedelta(minutes=15)
    start = utcnow()
    for _ in range(5):
        sign_in.record_failure("someone@example.com", now=start)
    db.session.commit()
    assert sign_in.locked_for("someone@example.com", now=start) == timedelta(minutes=1)
    assert sign_in.locked_for("someone@example.com", now=start + timedelta(minutes=2)) is None
    # An hour later the old failures are forgotten: one more does not lock again.
    assert sign_in.record_failure("someone@example.com", now=start + timedelta(hours=2)) is None


def test_the_per_account_limit_holds_across_two_gunicorn_workers(app, db, world, database_url):
    email = world["users"]["leader"].email
    db.session.remove()
    db.engine.dispose()
    server, base = start_server(database_url, workers=2)
    try:
        statuses = []
        for _ in range(8):
            # A new browser each time, sync workers close every connection: the tries land
            # on both workers, whose memories count nothing in common.
            browser = requests.Session()
            token = form_fields(browser.get(f"{base}/login", timeout=30).text)["csrf_token"]
            answer = browser.post(
                f"{base}/login",
                data={"email": email, "password": "wrong", "csrf_token": token},
                timeout=30,
                allow_redirects=False,
            )
            statuses.append(answer.status_code)
    finally:
        stop_server(server)
    assert statuses == [400] * 5 + [429] * 3
    with app.app_context():
        failures = db.session.scalar(sa.select(SignInFailure.failures))
    assert failures == 5  # the locked tries did not even reach the password check


def _median_login_time(client, email, password, db, tries=5):
    times = []
    for _ in range(tries):
        # Measure the check, not the lock: forget earlier failures before each try.
        db.session.execute(sa.delete(SignInFailure))
        db.session.commit()
        started = time.perf_counter()
        assert _login(client, email, password).status_code == 400
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_email_costs_as_much_as_a_wrong_password(make_app, db):
    from governance.people import operations as people

    app = make_app(PASSWORD_HASH_METHOD="scrypt")  # production's cost, not the tests' cheap one
    with app.app_context():
        people.create_user("timed@example.com", "Timed", PASSWORD)
        inactive = people.create_user("gone@example.com", "Gone", PASSWORD)
        inactive.active = False
        db.session.commit()
        client = app.test_client()
        _login(client, "warm-up@example.com", "wrong")  # builds the stand-in hash once
        wrong_password = _median_login_time(client, "timed@example.com", "wrong-password", db)
        unknown = _median_login_time(client, f"{uuid.uuid4().hex}@example.com", "x-wrong", db)
        deactivated = _median_login_time(client, "gone@example.com", PASSWORD, db)
    # Before: about 10 ms against 120 ms. Generous bounds: a busy machine is noisy.
    assert wrong_password > 0.02, wrong_password  # scrypt really ran
    assert 0.5 < unknown / wrong_password < 2.0, (unknown, wrong_password)
    assert 0.5 < deactivated / wrong_password < 2.0, (deactivated, wrong_password)


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return url


def test_per_address_limits_shared_through_redis_hold_across_apps(make_app, world, redis_url):
    # Two apps stand for two workers; with RATELIMIT_STORAGE_URI=redis:// they count together.
    prefix = f"test-{uuid.uuid4().hex}"
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    clients = [make_app(**settings).test_client() for _ in range(2)]
    statuses = [_login(clients[n % 2], f"x{n}@example.com", "wrong").status_code for n in range(12)]
    assert statuses[:10] == [400] * 10 and statuses[10:] == [429, 429]
