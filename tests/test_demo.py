"""The demo installation keeps PRODUCT.md's demo-data contract."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.enums import PhaseKind, Role, Stage
from governance.people.models import Membership, User
from governance.portfolio.models import Engagement, Initiative, Organization
from governance.portfolio.queries import DONE, current_phase_positions
from governance.portfolio.seed import DEMO_PASSWORD, load_demo


@pytest.fixture
def demo(db):
    load_demo()
    db.session.commit()
    return {u.email: u for u in db.session.scalars(sa.select(User))}


def _orgs_of(db, user):
    return set(
        db.session.scalars(
            sa.select(Organization.slug)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == user.id)
        )
    )


def test_three_clients_with_the_three_kinds_of_engagement(demo, db):
    roles = set(db.session.scalars(sa.select(Engagement.leadership_role)))
    assert {r.value for r in roles} >= {
        "fractional_cto",
        "fractional_head_of_ai",
        "project_consultant",
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) >= 3


def test_demo_users_belong_where_the_contract_says(demo, db):
    all_orgs = set(db.session.scalars(sa.select(Organization.slug)))
    assert demo["admin@example.com"].is_admin
    assert len(all_orgs - _orgs_of(db, demo["leader@example.com"])) == 1
    for email in ("pmo@example.com", "contributor@example.com", "auditor@example.com"):
        assert len(_orgs_of(db, demo[email])) == 1, email
    roles = {
        email: db.session.scalar(
            sa.select(Membership.role).where(Membership.user_id == demo[email].id)
        )
        for email in ("pmo@example.com", "contributor@example.com", "auditor@example.com")
    }
    assert roles == {
        "pmo@example.com": Role.PMO,
        "contributor@example.com": Role.CONTRIBUTOR,
        "auditor@example.com": Role.AUDITOR,
    }


def test_initiatives_cover_every_phase_and_every_stage(demo, db):
    cur = current_phase_positions()
    positions = set(
        db.session.scalars(
            sa.select(sa.func.coalesce(cur.c.position, DONE))
            .select_from(Initiative)
            .outerjoin(cur, cur.c.initiative_id == Initiative.id)
        )
    )
    assert {k.position for k in PhaseKind} <= positions
    stages = set(db.session.scalars(sa.select(Initiative.stage)))
    assert stages == set(Stage)


@pytest.mark.parametrize(
    "email",
    [
        "admin@example.com",
        "leader@example.com",
        "pmo@example.com",
        "contributor@example.com",
        "auditor@example.com",
    ],
)
def test_every_demo_user_signs_in_and_sees_exactly_their_organizations(demo, db, app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    orgs = list(db.session.scalars(sa.select(Organization)))
    visible = {o.slug for o in orgs} if demo[email].is_admin else _orgs_of(db, demo[email])
    for org in orgs:
        assert (f'href="/orgs/{org.slug}"' in page) == (org.slug in visible), (email, org.slug)
        expected = 200 if org.slug in visible else 404
        assert client.get(f"/orgs/{org.slug}").status_code == expected


def test_the_portfolio_shows_overdue_work(demo, app):
    client = app.test_client(user=demo["leader@example.com"])
    page = client.get("/").get_data(as_text=True)
    assert "Overdue exit criteria" in page and 'class="due overdue"' in page
