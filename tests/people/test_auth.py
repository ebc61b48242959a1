"""Signing in and out."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


def _login(client, email, password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def test_sign_in_lands_on_the_portfolio_with_safe_cookies(world, client):
    user = world["users"]["leader"]
    response = _login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Acme Freight" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(world, client):
    response = _login(client, world["users"]["leader"].email, "wrong-password")
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_an_unknown_email_gets_the_same_message(client, world):
    response = _login(client, "nobody@example.com")
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)


def test_a_deactivated_user_cannot_sign_in(world, client, db):
    user = world["users"]["pmo"]
    user.active = False
    db.session.commit()
    assert _login(client, user.email).status_code == 400


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/orgs/acme-freight", "/orgs/acme-freight"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_next_redirects_only_within_this_site(world, client, target, expected):
    response = _login(client, world["users"]["leader"].email, next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == expected or location == "http://localhost" + expected


def test_pages_ask_anonymous_visitors_to_sign_in(client, world):
    response = client.get("/orgs/acme-freight")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_logout_is_post_only(world, as_user):
    client = as_user(world["users"]["leader"])
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_login_form_carries_a_csrf_token_and_refuses_without_it(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    refused = client.post(
        "/login", data={"email": world["users"]["leader"].email, "password": PASSWORD}
    )
    assert refused.status_code == 400
    accepted = client.post(
        "/login",
        data={
            "email": world["users"]["leader"].email,
            "password": PASSWORD,
            "csrf_token": token.group(1),
        },
    )
    assert accepted.status_code == 302


def test_repeated_failed_sign_ins_are_rate_limited(make_app, world):
    # Per address: a new email each time, so the per-account lock (test_sign_in_limits) is
    # not what stops them.
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = [_login(client, f"x{n}@example.com", "nope").status_code for n in range(12)]
    assert statuses[:10] == [400] * 10
    assert statuses[-1] == 429


def test_passwords_are_stored_hashed(world):
    user = world["users"]["leader"]
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD) and not user.check_password("other")


def test_production_hashing_is_scrypt(make_app):
    from governance.people.models import User

    app = make_app(PASSWORD_HASH_METHOD="scrypt")
    with app.app_context():
        user = User(email="a@example.com", name="A")
        user.set_password("long-enough-password")
        assert user.password_hash.startswith("scrypt:")
