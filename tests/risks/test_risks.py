"""The risk register, and who may open or change the pages of this area."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.enums import RiskCategory, RiskStatus
from governance.risks import operations as risks
from governance.risks.models import Risk
from tests.conftest import ROLES

GOOD = {
    "title": "Model drifts after peak",
    "category": "drift",
    "likelihood": "4",
    "impact": "3",
    "owner_id": "None",
    "initiative_id": "None",
    "status": "open",
    "mitigation": "",
}


def _expect(members=200, **given):
    base = {r: members for r in ("admin", "leader", "pmo", "contributor", "auditor")}
    base.update(outsider=404, anonymous=302, **given)
    return base


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


PAGES = [
    ("/orgs/acme-freight/dashboard", _expect()),
    ("/orgs/acme-freight/dashboard/risk_heatmap.csv", _expect()),
    ("/orgs/acme-freight/risks", _expect()),
    ("/orgs/acme-freight/risks/new", _expect(auditor=403)),
    ("{i}/assessments", _expect()),
    ("{i}/assessments/new", _expect(auditor=403)),
    ("{i}/objectives", _expect()),
    ("{i}/objectives/new", _expect(auditor=403)),
    ("{i}/thresholds/new", _expect(contributor=403, auditor=403)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path,expected", PAGES, ids=[p for p, _ in PAGES])
def test_who_may_open_each_page(world, as_user, user_in_role, role, path, expected):
    path = path.format(i=f"/orgs/acme-freight/initiatives/{world['initiative'].id}")
    response = as_user(user_in_role(role)).get(path)
    assert response.status_code == expected[role]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_a_risk(world, as_user, user_in_role, db, role):
    expected = _expect(members=302, auditor=403)[role]
    before = _count(db, AuditEvent)
    response = as_user(user_in_role(role)).post("/orgs/acme-freight/risks/new", data=GOOD)
    assert response.status_code == expected
    db.session.expire_all()
    saved = expected == 302 and role != "anonymous"  # anonymous is redirected to the login
    assert (_count(db, Risk) == 1) == saved
    if not saved:
        assert _count(db, AuditEvent) == before


@pytest.mark.parametrize(
    "change,message",
    [
        ({"likelihood": "6"}, "from 1 to 5"),
        ({"impact": "0"}, "from 1 to 5"),
        ({"impact": ""}, "This field is required"),
        ({"title": ""}, "This field is required"),
        ({"category": "aliens"}, "Not a valid choice"),
        ({"status": "closed"}, "Describe the mitigation"),
    ],
)
def test_a_bad_risk_is_refused_and_saves_nothing(world, as_user, db, change, message):
    response = as_user(world["users"]["leader"]).post(
        "/orgs/acme-freight/risks/new", data={**GOOD, **change}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db, Risk) == 0


def test_a_risk_of_another_organization_or_initiative_is_refused(world, as_user, db):
    foreign = risks.create_risk(
        world["other"],
        world["users"]["outsider"],
        title="x",
        category=RiskCategory.VENDOR,
        likelihood=1,
        impact=1,
    )
    db.session.commit()
    leader = as_user(world["users"]["leader"])
    assert leader.get(f"/orgs/acme-freight/risks/{foreign.id}/edit").status_code == 404
    data = {**GOOD, "initiative_id": str(world["other_initiative"].id)}
    assert leader.post("/orgs/acme-freight/risks/new", data=data).status_code == 400


def test_editing_a_risk_keeps_optimistic_locking(world, as_user, db):
    risk = risks.create_risk(
        world["org"],
        world["users"]["contributor"],
        title="Vendor outage",
        category=RiskCategory.VENDOR,
        likelihood=2,
        impact=3,
    )
    db.session.commit()
    leader = as_user(world["users"]["leader"])
    data = {
        **GOOD,
        "title": "Vendor outage",
        "mitigation": "Second provider",
        "status": "mitigating",
        "version": str(risk.version),
    }
    assert leader.post(f"/orgs/acme-freight/risks/{risk.id}/edit", data=data).status_code == 302
    stale = leader.post(f"/orgs/acme-freight/risks/{risk.id}/edit", data={**data, "impact": "5"})
    assert stale.status_code == 400 and "Someone else changed" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Risk, risk.id).status == RiskStatus.MITIGATING
    listing = leader.get("/orgs/acme-freight/risks?status=all&category=drift").get_data(
        as_text=True
    )
    assert "Vendor outage" in listing


def _titles(html):
    import re

    # Each title links to the risk's page.
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', html)


def test_the_register_pages_by_score_and_keeps_its_filters(world, as_user, db):
    org = world["org"]
    # 60 drift risks with scores 1..25 (ties broken by id), 5 closed, 3 of another category.
    made = []
    for n in range(60):
        likelihood, impact = 1 + n % 5, 1 + (n // 5) % 5
        made.append(
            risks.create_risk(
                org,
                world["users"]["contributor"],
                title=f"Risk {n:02d}",
                category=RiskCategory.DRIFT,
                likelihood=likelihood,
                impact=impact,
                mitigation="Retrain" if n < 5 else "",
                status=RiskStatus.CLOSED if n < 5 else RiskStatus.OPEN,
            )
        )
    for n in range(3):
        made.append(
            risks.create_risk(
                org,
                world["users"]["contributor"],
                title=f"Vendor {n}",
                category=RiskCategory.VENDOR,
                likelihood=5,
                impact=5,
            )
        )
    db.session.commit()
    by_score = sorted(made, key=lambda r: (-r.likelihood * r.impact, r.id))
    expected = [r.title for r in by_score if r.category == RiskCategory.DRIFT and not r.mitigation]
    leader = as_user(world["users"]["leader"])
    first = leader.get("/orgs/acme-freight/risks?category=drift").get_data(as_text=True)
    assert "55 risks match" in first and "Showing 50 on this page" in first
    assert _titles(first) == expected[:50]
    last_shown = next(r for r in made if r.title == expected[49])
    link = f"after={last_shown.id}"
    assert link in first and "category=drift" in first.split(link)[0].rsplit("href=", 1)[1]
    second = leader.get(f"/orgs/acme-freight/risks?category=drift&{link}").get_data(as_text=True)
    assert _titles(second) == expected[50:] and 'rel="next"' not in second
    assert "First page" in second
    every = leader.get("/orgs/acme-freight/risks?status=all").get_data(as_text=True)
    assert "63 risks match" in every and _titles(every) == [r.title for r in by_score][:50]


def test_a_cursor_from_another_organization_shows_the_first_page(world, as_user, db):
    mine = risks.create_risk(
        world["org"],
        world["users"]["contributor"],
        title="Ours",
        category=RiskCategory.VENDOR,
        likelihood=2,
        impact=2,
    )
    foreign = risks.create_risk(
        world["other"],
        world["users"]["outsider"],
        title="Theirs",
        category=RiskCategory.VENDOR,
        likelihood=5,
        impact=5,
    )
    db.session.commit()
    leader = as_user(world["users"]["leader"])
    for cursor in (str(foreign.id), "nonsense", "999999"):
        page = leader.get(f"/orgs/acme-freight/risks?after={cursor}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "not valid; showing the first page" in html
        assert _titles(html) == ["Ours"] and "Theirs" not in html
    assert mine.id != foreign.id


@pytest.mark.parametrize("role,edits", [("contributor", True), ("auditor", False), ("pmo", True)])
def test_only_contributors_see_edit_links_in_the_register(world, as_user, db, role, edits):
    risk = risks.create_risk(
        world["org"],
        world["users"]["contributor"],
        title="Ours",
        category=RiskCategory.VENDOR,
        likelihood=2,
        impact=2,
    )
    db.session.commit()
    html = as_user(world["users"][role]).get("/orgs/acme-freight/risks").get_data(as_text=True)
    assert (f"/risks/{risk.id}/edit" in html) is edits
