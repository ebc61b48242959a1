"""Issue 7: the portfolio's and dashboards' per-organization roll-ups are reused until that
organization's data changes, and never show a number older than the data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from governance import rollups
from governance.dashboards import figures as dashboards
from governance.enums import RiskCategory
from governance.portfolio import queries as q
from governance.portfolio.models import Organization
from governance.risks import operations as risk_ops
from governance.rollups import DataVersion


def _version(db: Any, org: Organization) -> str | None:
    return db.session.scalar(
        sa.select(DataVersion.version).where(DataVersion.organization_id == org.id)
    )


def test_every_write_of_an_organizations_rows_gives_it_a_new_version(db, make_org, make_initiative):
    org, other = make_org(), make_org()
    before, other_before = _version(db, org), _version(db, other)
    assert before and other_before
    make_initiative(org)
    assert _version(db, org) != before
    assert _version(db, other) == other_before


def test_a_rolled_back_write_leaves_the_version_as_it_was(db, make_org, make_user):
    org = make_org()
    leader = make_user(org=org, role="leader")
    before = _version(db, org)
    risk_ops.create_risk(
        org, leader, title="Drift", category=list(RiskCategory)[0], likelihood=2, impact=2
    )
    db.session.flush()
    assert _version(db, org) != before
    db.session.rollback()
    assert _version(db, org) == before


def test_only_the_changed_organizations_are_recomputed(db, make_org, make_initiative):
    a, b = make_org(), make_org()
    today = date.today()
    asked: list[list[int]] = []

    def compute(ids: list[int]) -> dict[int, int]:
        asked.append(sorted(ids))
        return {org_id: len(asked) for org_id in ids}

    first = rollups.per_organization("test", [a.id, b.id], today, compute, int)
    assert asked == [sorted([a.id, b.id])]
    again = rollups.per_organization("test", [a.id, b.id], today, compute, int)
    assert again == first and len(asked) == 1
    make_initiative(a)
    third = rollups.per_organization("test", [a.id, b.id], today, compute, int)
    assert asked[-1] == [a.id]
    assert third[b.id] == first[b.id] and third[a.id] == 2
    # A new day recomputes everything: overdue counts depend on the day.
    rollups.per_organization("test", [a.id, b.id], today + timedelta(days=1), compute, int)
    assert asked[-1] == sorted([a.id, b.id])


def test_the_portfolio_summary_follows_each_write(db, make_org, make_initiative):
    org = make_org()
    make_initiative(org, "First")
    today = date.today()
    assert q.organization_summaries([org], today)[0].initiatives == 1
    assert q.organization_summaries([org], today)[0].initiatives == 1  # from the roll-up
    make_initiative(org, "Second")
    assert q.organization_summaries([org], today)[0].initiatives == 2


def test_a_dashboard_figure_follows_a_new_risk(db, make_org, make_user):
    org = make_org()
    leader = make_user(org=org, role="leader")
    today = date.today()

    def risks_drawn() -> int:
        chart = dashboards.ORGANIZATION_FIGURES["risk_heatmap"](
            dashboards.Scope(today, org_id=org.id)
        )
        return sum(int(row[-1]) for row in chart.rows)

    assert risks_drawn() == 0
    risk_ops.create_risk(
        org, leader, title="Drift", category=list(RiskCategory)[0], likelihood=4, impact=4
    )
    db.session.commit()
    assert risks_drawn() == 1
    portfolio = dashboards.PORTFOLIO_FIGURES["risk_heatmap"](
        dashboards.Scope(today, org_ids=[org.id])
    )
    assert sum(int(row[-1]) for row in portfolio.rows) == 1


def test_the_portfolio_page_shows_a_new_initiative_at_once(
    db, make_org, make_user, make_initiative, as_user
):
    org = make_org(name="Harbour Analytics")
    leader = make_user(org=org, role="leader")
    browser = as_user(leader)
    make_initiative(org, "First")
    assert "1 initiatives" in " ".join(browser.get("/").get_data(as_text=True).split())
    make_initiative(org, "Second")
    assert "2 initiatives" in " ".join(browser.get("/").get_data(as_text=True).split())
