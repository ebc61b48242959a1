"""A risk's own page: its fields, the decisions that name it, its history; who may open it."""

from __future__ import annotations

import re

import pytest

from governance.audit import acting_as
from governance.decisions.operations import record_decision
from governance.enums import RiskCategory, RiskStatus
from governance.risks import operations as risks
from governance.risks.history import risk_history
from tests.conftest import ROLES


@pytest.fixture
def risk(world, db):
    contributor = world["users"]["contributor"]
    with acting_as(contributor.id):
        made = risks.create_risk(
            world["org"],
            contributor,
            title="Model drifts after peak",
            category=RiskCategory.DRIFT,
            likelihood=4,
            impact=3,
            initiative_id=world["initiative"].id,
            mitigation="Retrain monthly",
        )
        db.session.commit()
    return made


def _path(risk) -> str:
    return f"/orgs/acme-freight/risks/{risk.id}"


def _edit(client, risk, **change):
    data = {
        "version": str(risk.version),
        "title": risk.title,
        "category": risk.category.value,
        "likelihood": str(risk.likelihood),
        "impact": str(risk.impact),
        "owner_id": "None",
        "initiative_id": str(risk.initiative_id),
        "status": risk.status.value,
        "mitigation": risk.mitigation,
        "description": "",
        **change,
    }
    return client.post(f"{_path(risk)}/edit", data=data)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_a_risk(world, as_user, user_in_role, risk, role):
    expected = {"outsider": 404, "anonymous": 302}.get(role, 200)
    assert as_user(user_in_role(role)).get(_path(risk)).status_code == expected


def test_a_risk_of_another_organization_is_not_found(world, as_user, db):
    foreign = risks.create_risk(
        world["other"],
        world["users"]["outsider"],
        title="Vendor lock-in",
        category=RiskCategory.VENDOR,
        likelihood=2,
        impact=2,
    )
    db.session.commit()
    leader = as_user(world["users"]["leader"])
    assert leader.get(f"/orgs/acme-freight/risks/{foreign.id}").status_code == 404
    assert leader.get("/orgs/acme-freight/risks/999999").status_code == 404


def test_the_page_shows_the_risk(world, as_user, risk):
    html = as_user(world["users"]["pmo"]).get(_path(risk)).get_data(as_text=True)
    assert "<h1>Model drifts after peak</h1>" in html
    for text in ("Likelihood", "Impact", "Drift", "Parcel fraud scoring", "Retrain monthly"):
        assert text in html
    assert re.search(r"<dt>Score</dt><dd[^>]*>12", html)
    assert f'href="/orgs/acme-freight/risks/{risk.id}/edit"' in html


def test_the_auditor_sees_no_edit(world, as_user, risk):
    html = as_user(world["users"]["auditor"]).get(_path(risk)).get_data(as_text=True)
    assert "/edit" not in html
    assert ">Edit<" not in html


def test_history_after_an_edit_newest_first_in_the_users_words(world, as_user, risk, db):
    leader = world["users"]["leader"]
    client = as_user(leader)
    response = _edit(client, risk, impact="5", owner_id=str(leader.id), status="mitigating")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_path(risk))
    html = client.get(_path(risk)).get_data(as_text=True)
    history = html.split('id="history-h"')[1]
    assert "4 changes, newest first." in history
    assert "changed the impact" in history and "<q>3</q> to <q>5</q>" in history
    assert f"<q>nobody</q> to <q>{leader.name}</q>" in history
    assert "<q>Open</q> to <q>Mitigating</q>" in history
    assert "leader person" in history and "contributor person" in history
    # The edit's lines come before the risk's creation.
    assert history.index("changed the impact") < history.index("added the risk to the register")


def test_history_is_capped_with_the_count(world, risk, db):
    for impact in (1, 2, 3, 4, 5, 1):
        fields = {f: getattr(risk, f) for f in risks.RISK_FIELDS if f != "impact"}
        risks.update_risk(risk, world["users"]["leader"], None, impact=impact, **fields)
        db.session.commit()
    history = risk_history(risk, limit=3)
    assert history.total == 7  # created, then six changes of the impact
    assert len(history.entries) == 3
    assert history.entries[0].new == "1"


def test_the_register_names_likelihood_and_impact_and_links_each_risk(world, as_user, risk):
    html = as_user(world["users"]["auditor"]).get("/orgs/acme-freight/risks").get_data(as_text=True)
    assert '<th scope="col">Likelihood</th><th scope="col">Impact</th>' in html
    assert f'href="{_path(risk)}"' in html
    assert '<th scope="col">L</th>' not in html


def test_a_new_risk_lands_on_its_page(world, as_user):
    from tests.risks.test_risks import GOOD

    response = as_user(world["users"]["contributor"]).post(
        "/orgs/acme-freight/risks/new", data=GOOD
    )
    assert re.search(r"/orgs/acme-freight/risks/\d+$", response.headers["Location"])


def test_an_edit_from_the_register_returns_to_its_row(world, as_user, risk):
    client = as_user(world["users"]["leader"])
    register = client.get("/orgs/acme-freight/risks").get_data(as_text=True)
    assert f"next=/orgs/acme-freight/risks%23risk-{risk.id}" in register
    form = client.get(f"{_path(risk)}/edit?next=/orgs/acme-freight/risks%23risk-{risk.id}")
    assert 'name="next" value="/orgs/acme-freight/risks#risk-' in form.get_data(as_text=True)
    back = _edit(client, risk, next=f"/orgs/acme-freight/risks#risk-{risk.id}", impact="2")
    assert back.headers["Location"].endswith(f"/orgs/acme-freight/risks#risk-{risk.id}")
    elsewhere = _edit(client, risk, next="https://evil.example/", impact="1")
    assert elsewhere.headers["Location"].endswith(_path(risk))


def test_decisions_that_name_the_risk(world, as_user, risk, db):
    contributor = world["users"]["contributor"]
    named = record_decision(
        world["org"],
        contributor,
        title="Retrain after peak",
        context="Drift.",
        decision="Retrain.",
        risk_refs=[f"risk:{risk.id}"],
    )
    record_decision(
        world["org"],
        contributor,
        title="Another risk",
        context="x",
        decision="y",
        risk_refs=[f"risk:{risk.id}0"],
    )
    db.session.commit()
    html = as_user(world["users"]["auditor"]).get(_path(risk)).get_data(as_text=True)
    section = html.split('id="decisions-h"')[1].split("</section>")[0]
    assert f"#{named.seq} Retrain after peak" in section
    assert "Another risk" not in section
    assert RiskStatus.OPEN  # the risk itself is unchanged by decisions naming it
