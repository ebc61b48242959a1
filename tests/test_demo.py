"""The demo installation keeps PRODUCT.md's demo-data contract."""

from __future__ import annotations

import calendar
import html
import itertools

import pytest
import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.catalog import load
from governance.dashboards import figures
from governance.decisions.chain import verify_organization
from governance.decisions.models import Decision
from governance.enums import PhaseKind, Role, Stage
from governance.gates.models import Checkpoint, ExitCriterion
from governance.people.models import Membership, User
from governance.portfolio.models import Engagement, Initiative, Organization
from governance.portfolio.queries import DONE, current_phase_positions
from governance.portfolio.seed import DEMO_PASSWORD


@pytest.fixture
def demo(demo_data, db):
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


def test_the_demo_history_carries_the_times_and_people_of_its_story(demo_data, db, app):
    """Every seeded log entry and audit event is dated at its story moment and credited to its
    story person, in chain order; before, 51 checkpoint outcomes and waivers were logged at load
    time (a spike on "Decisions over time", none found by month) and every seeded edit was the
    admin's, at load time."""
    started, loaded = demo_data.loaded_from, demo_data.loaded_to  # when load_demo() ran
    admin = db.session.scalar(sa.select(User).where(User.is_admin))
    entries = list(db.session.scalars(sa.select(Decision).order_by(Decision.id)))
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    moments = [e.created_at for e in entries] + [e.occurred_at for e in events]
    assert not [m for m in moments if started <= m <= loaded], "dated at load time"
    assert all(m < started for m in moments), "nothing in the future of the load"

    # The log: in time order along each chain, and `verify` still passes.
    for org in db.session.scalars(sa.select(Organization)):
        chain = [e for e in entries if e.organization_id == org.id]
        chain.sort(key=lambda e: e.seq)
        assert all(a.created_at <= b.created_at for a, b in itertools.pairwise(chain)), org.slug
        assert verify_organization(org).ok
    # Checkpoint outcomes at their decision's date, by their reviewer; waivers by who waived.
    decided = sa.select(Checkpoint).where(Checkpoint.decision_id.isnot(None))
    checkpoints = {c.decision_id: c for c in db.session.scalars(decided)}
    for entry in entries:
        if entry.id in checkpoints and entry.kind.startswith("checkpoint_"):
            checkpoint = checkpoints[entry.id]
            assert entry.created_at == checkpoint.decided_at
            assert entry.decided_by_id == checkpoint.decided_by_id != admin.id
    assert sum(e.kind.startswith("checkpoint_") for e in entries) >= 40
    assert admin.id not in {e.decided_by_id for e in entries}
    # The story's own decisions at their dates (decisions.yaml).
    story = {
        (spec["title"], spec["date"]) for specs in load("decisions.yaml").values() for spec in specs
    }
    assert story <= {(e.title, e.created_at.date()) for e in entries if e.change == "recorded"}

    # The audit trail: the admin only set up the installation; each edit is its person's.
    assert {e.record_type for e in events if e.actor_id == admin.id} <= {
        "user",
        "organization",
        "membership",
        "engagement",
    }
    assert [e.record_type for e in events if e.actor_id is None] == ["user"]  # the first admin
    by_id = {(e.record_type, e.record_id, e.field): e for e in events if e.action == "update"}
    for checkpoint in checkpoints.values():
        outcome = by_id[("checkpoint", checkpoint.id, "status")]
        assert (outcome.actor_id, outcome.occurred_at) == (
            checkpoint.decided_by_id,
            checkpoint.decided_at,
        )
    met = db.session.scalars(sa.select(ExitCriterion).where(ExitCriterion.met_by_id.isnot(None)))
    for criterion in met:
        marked = by_id[("exit_criterion", criterion.id, "status")]
        assert (marked.actor_id, marked.occurred_at) == (criterion.met_by_id, criterion.met_at)

    # What an auditor sees: no spike in the load month; a story month finds its entries.
    org = db.session.scalar(
        sa.select(Organization).where(Organization.slug == "northwind-logistics")
    )
    chart = figures.decisions_over_time(figures.Scope(loaded.date(), org_id=org.id))
    per_month: dict[str, int] = {}
    for month, _change, count in chart.rows:
        per_month[month] = per_month.get(month, 0) + count
    this_month = per_month.pop(loaded.strftime("%Y-%m"), 0)
    assert this_month < max(per_month.values()), (this_month, per_month)
    approval = next(
        e for e in entries if e.organization_id == org.id and e.kind == "checkpoint_approved"
    )
    day = approval.created_at.date()
    first, last = day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    client = app.test_client(user=db.session.get(User, checkpoints[approval.id].decided_by_id))
    page = client.get(
        f"/orgs/{org.slug}/decisions?date_from={first}&date_to={last}&entries=all"
    ).get_data(as_text=True)
    assert html.escape(approval.title, quote=False) in page
