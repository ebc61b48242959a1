"""Forms: invalid input shows the form again with a message on the field and saves nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.audit import AuditEvent
from governance.enums import CriterionStatus
from governance.gates.models import ExitCriterion
from governance.portfolio.models import Initiative, Organization, Program


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(
    "data,field_message",
    [
        ({"slug": "", "name": "Acme", "review_target_days": "5"}, "This field is required"),
        ({"slug": "Bad Slug!", "name": "Acme", "review_target_days": "5"}, "lower-case letters"),
        ({"slug": "acme-freight", "name": "Dup", "review_target_days": "5"}, "already taken"),
        ({"slug": "newco", "name": "", "review_target_days": "5"}, "This field is required"),
        ({"slug": "newco", "name": "Newco", "review_target_days": "0"}, "between 1 and 60"),
        ({"slug": "newco", "name": "Newco", "review_target_days": "soon"}, "Not a valid integer"),
    ],
)
def test_organization_form_refuses_bad_input(world, as_user, db, data, field_message):
    before = _count(db, Organization)
    response = as_user(world["users"]["admin"]).post("/orgs/new", data=data)
    assert response.status_code == 400
    assert field_message in response.get_data(as_text=True)
    assert _count(db, Organization) == before


def test_admin_creates_an_organization(world, as_user, db):
    response = as_user(world["users"]["admin"]).post(
        "/orgs/new", data={"slug": "initech", "name": "Initech", "review_target_days": "5"}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Organization).where(Organization.slug == "initech"))


def test_the_address_of_an_organization_cannot_change(world, as_user, db):
    response = as_user(world["users"]["admin"]).post(
        "/orgs/acme-freight/edit",
        data={"slug": "renamed", "name": "Acme", "review_target_days": "5"},
    )
    assert response.status_code == 400
    assert "cannot change" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "", "risk_tier": "low"}, "This field is required"),
        ({"name": "X", "risk_tier": "extreme"}, "Not a valid choice"),
        ({"name": "X" * 161, "risk_tier": "low"}, "160 characters"),
    ],
)
def test_initiative_form_refuses_bad_input(world, as_user, db, data, message):
    before = _count(db, Initiative)
    data = {"program_id": str(world["initiative"].program_id), "owner_id": "None", **data}
    response = as_user(world["users"]["pmo"]).post("/orgs/acme-freight/initiatives/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db, Initiative) == before


def test_an_initiative_cannot_go_into_another_organizations_program(world, as_user, db):
    foreign_program = world["other_initiative"].program_id
    before = _count(db, Initiative)
    response = as_user(world["users"]["leader"]).post(
        "/orgs/acme-freight/initiatives/new",
        data={
            "name": "X",
            "program_id": str(foreign_program),
            "risk_tier": "low",
            "owner_id": "None",
        },
    )
    assert response.status_code == 400
    assert _count(db, Initiative) == before


def test_an_owner_must_be_a_member(world, as_user, db):
    outsider = world["users"]["outsider"]
    response = as_user(world["users"]["leader"]).post(
        "/orgs/acme-freight/programs/new", data={"name": "Pricing", "owner_id": str(outsider.id)}
    )
    assert response.status_code == 400
    assert _count(db, Program) == 2


def test_a_new_initiative_starts_with_seven_phases_and_the_seed_criteria(world, as_user, db):
    response = as_user(world["users"]["leader"]).post(
        "/orgs/acme-freight/initiatives/new",
        data={
            "name": "Support assistant",
            "program_id": str(world["initiative"].program_id),
            "risk_tier": "high",
            "owner_id": "None",
            "sponsor": "COO",
        },
    )
    assert response.status_code == 302
    initiative = db.session.scalar(
        sa.select(Initiative).where(Initiative.name == "Support assistant")
    )
    assert [p.kind.value for p in initiative.phases] == [
        "objectives",
        "assessment",
        "roadmap",
        "governance",
        "pipelines",
        "knowledge_transfer",
        "evaluation",
    ]
    assert initiative.phases[0].status.value == "in_progress"
    assert all(p.criteria for p in initiative.phases)
    assert any(c.framework_refs for p in initiative.phases for c in p.criteria)
    page = (
        as_user(world["users"]["auditor"]).get(response.headers["Location"]).get_data(as_text=True)
    )
    assert "Support assistant" in page and initiative.phases[0].criteria[0].title in page


@pytest.mark.parametrize(
    "data,message",
    [
        ({"evidence_url": "", "evidence_text": ""}, "Give the evidence"),
        ({"evidence_url": "not a link", "evidence_text": ""}, "Enter a full link"),
        (
            {"evidence_url": "javascript://example.com/%0aalert(1)", "evidence_text": "x"},
            "Enter a full link",
        ),
    ],
)
def test_evidence_is_required_and_links_must_be_web_links(world, as_user, db, data, message):
    criterion = world["initiative"].phases[0].criteria[0]
    response = as_user(world["users"]["contributor"]).post(
        f"/orgs/acme-freight/initiatives/{world['initiative'].id}/criteria/{criterion.id}/evidence",
        data=data,
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExitCriterion, criterion.id).status == CriterionStatus.OPEN


def test_marking_a_criterion_met_records_evidence_who_and_when(world, as_user, db):
    contributor = world["users"]["contributor"]
    criterion = world["initiative"].phases[0].criteria[0]
    response = as_user(contributor).post(
        f"/orgs/acme-freight/initiatives/{world['initiative'].id}/criteria/{criterion.id}/evidence",
        data={"evidence_url": "https://wiki.example/kpis", "evidence_text": "KPI sheet signed"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(ExitCriterion, criterion.id)
    assert (
        saved.status == CriterionStatus.MET and saved.met_by_id == contributor.id and saved.met_at
    )
    page = (
        as_user(world["users"]["auditor"]).get(response.headers["Location"]).get_data(as_text=True)
    )
    assert "KPI sheet signed" in page and "https://wiki.example/kpis" in page


def test_output_is_escaped(world, as_user, db):
    criterion = world["initiative"].phases[0].criteria[0]
    as_user(world["users"]["contributor"]).post(
        f"/orgs/acme-freight/initiatives/{world['initiative'].id}/criteria/{criterion.id}/evidence",
        data={"evidence_text": "<script>alert('x')</script>"},
    )
    page = as_user(world["users"]["leader"]).get(
        f"/orgs/acme-freight/initiatives/{world['initiative'].id}"
    )
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_forms_reject_posts_without_csrf_token(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client(user=world["users"]["leader"])
    before_events = None
    with app.app_context():
        from governance.extensions import db

        before_events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = client.post("/orgs/acme-freight/programs/new", data={"name": "Sneaky"})
    assert response.status_code == 400
    with app.app_context():
        from governance.extensions import db

        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before_events
        )
    page = client.get("/orgs/acme-freight/programs/new").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_the_operation_itself_refuses_non_web_links(world):
    from governance.errors import DomainError
    from governance.gates.criteria import mark_met

    criterion = world["initiative"].phases[0].criteria[0]
    with pytest.raises(DomainError, match="must start with https://"):
        mark_met(criterion, world["users"]["leader"], evidence_url="javascript:alert(1)")
