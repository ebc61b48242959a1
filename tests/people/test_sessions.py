"""Sessions end on the server: a cookie copied before logout, a password change or a
deactivation neither reads nor writes afterwards."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import PASSWORD


def _signed_in(app, email, password=PASSWORD):
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": password})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def _copy(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return thief


def _change_password(client, current, new):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": new},
    )


def test_a_cookie_copied_before_logout_neither_reads_nor_writes(app, world):
    user = world["users"]["leader"]
    client = _signed_in(app, user.email)
    copy = _copy(app, client)
    assert copy.get("/orgs/acme-freight").status_code == 200  # the copy works while signed in
    assert client.post("/logout").status_code == 302
    read = copy.get("/orgs/acme-freight")
    assert read.status_code == 302 and "/login" in read.headers["Location"]
    write = _change_password(copy, PASSWORD, "taken-over-password")
    assert write.status_code == 302 and "/login" in write.headers["Location"]
    assert _signed_in(app, user.email).get("/").status_code == 200  # old password still works


def test_a_password_change_ends_every_other_session(app, world):
    user = world["users"]["pmo"]
    here, elsewhere = _signed_in(app, user.email), _signed_in(app, user.email)
    changed = _change_password(here, PASSWORD, "a-new-long-password")
    assert changed.status_code == 302
    assert here.get("/orgs/acme-freight").status_code == 200  # the one in use stays
    assert elsewhere.get("/orgs/acme-freight").status_code == 302
    assert (
        app.test_client()
        .post("/login", data={"email": user.email, "password": PASSWORD})
        .status_code
        == 400
    )
    _signed_in(app, user.email, "a-new-long-password")


def test_a_wrong_current_password_changes_nothing(app, world):
    user = world["users"]["pmo"]
    client, other = _signed_in(app, user.email), _signed_in(app, user.email)
    refused = _change_password(client, "not-my-password", "a-new-long-password")
    assert refused.status_code == 400
    assert "not your current password" in refused.get_data(as_text=True)
    short = _change_password(client, PASSWORD, "short")
    assert short.status_code == 400 and "at least 8" in short.get_data(as_text=True)
    assert other.get("/").status_code == 200
    _signed_in(app, user.email)


def test_deactivation_ends_every_session_even_after_reactivation(app, world):
    user, admin = world["users"]["contributor"], world["users"]["admin"]
    first, second = _signed_in(app, user.email), _signed_in(app, user.email)
    admin_client = _signed_in(app, admin.email)
    assert admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code
    assert admin_client.post(f"/admin/users/{user.id}/active", data={"active": "1"}).status_code
    for client in (first, second):
        assert client.get("/orgs/acme-freight").status_code == 302
    _signed_in(app, user.email)  # active again: a new sign-in works


def test_the_session_and_its_user_load_in_one_query(app, world, db):
    from governance.people import sessions

    user = world["users"]["leader"]
    user_id = user.id
    key = sessions.start_session(user)
    db.session.commit()
    db.session.expunge_all()
    statements = []

    def count(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        loaded = sessions.session_user(key, timedelta(hours=8))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert loaded is not None and loaded.id == user_id and len(statements) == 1
    assert sessions.session_user("not-a-key", timedelta(hours=8)) is None
