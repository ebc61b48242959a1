"""The admin's user management."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.people.models import User


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 200),
        ("leader", 403),
        ("pmo", 403),
        ("auditor", 403),
        ("outsider", 403),
        ("anonymous", 302),
    ],
)
def test_only_the_admin_manages_users(world, as_user, role, status):
    assert as_user(world["users"].get(role)).get("/admin/users").status_code == status


def test_admin_adds_a_user_who_can_then_sign_in(world, as_user, client):
    response = as_user(world["users"]["admin"]).post(
        "/admin/users",
        data={"email": "new.cto@example.com", "name": "New CTO", "password": "long-password"},
    )
    assert response.status_code == 302
    assert (
        client.post(
            "/login", data={"email": "new.cto@example.com", "password": "long-password"}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"email": "bad", "name": "X", "password": "long-password"},
            "Enter an email address such as",
        ),
        (
            {"email": "a@example.com", "name": "", "password": "long-password"},
            "Enter the person&#39;s full name.",  # as the page writes it
        ),
        ({"email": "a@example.com", "name": "X", "password": "short"}, "Use 8 to 200 characters."),
    ],
)
def test_bad_user_input_is_refused(world, as_user, db, data, message):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = as_user(world["users"]["admin"]).post("/admin/users", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_a_deactivated_user_is_signed_out_and_cannot_return(world, as_user, db):
    pmo = world["users"]["pmo"]
    pmo_client = as_user(pmo)
    assert pmo_client.get("/").status_code == 200
    as_user(world["users"]["admin"]).post(f"/admin/users/{pmo.id}/active", data={"active": "0"})
    assert pmo_client.get("/").status_code == 302


def test_the_admin_cannot_deactivate_themselves(world, as_user, db):
    admin = world["users"]["admin"]
    response = as_user(admin).post(
        f"/admin/users/{admin.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active
