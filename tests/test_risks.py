"""The risk register, and who may open or change the pages of this area."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.enums import RiskCategory, RiskStatus
from governance.models import AuditEvent, Risk
from governance.operations import risks

ROLES = ["admin", "leader", "pmo", "contributor", "auditor", "outsider", "anonymous"]
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
def test_who_may_open_each_page(world, as_user, role, path, expected):
    path = path.format(i=f"/orgs/acme-freight/initiatives/{world['initiative'].id}")
    response = as_user(world["users"].get(role)).get(path)
    assert response.status_code == expected[role]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_a_risk(world, as_user, db, role):
    expected = _expect(members=302, auditor=403)[role]
    before = _count(db, AuditEvent)
    response = as_user(world["users"].get(role)).post("/orgs/acme-freight/risks/new", data=GOOD)
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
        world["other"], title="x", category=RiskCategory.VENDOR, likelihood=1, impact=1
    )
    db.session.commit()
    leader = as_user(world["users"]["leader"])
    assert leader.get(f"/orgs/acme-freight/risks/{foreign.id}/edit").status_code == 404
    data = {**GOOD, "initiative_id": str(world["other_initiative"].id)}
    assert leader.post("/orgs/acme-freight/risks/new", data=data).status_code == 400


def test_editing_a_risk_keeps_optimistic_locking(world, as_user, db):
    risk = risks.create_risk(
        world["org"], title="Vendor outage", category=RiskCategory.VENDOR, likelihood=2, impact=3
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
