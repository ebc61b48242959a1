"""Every id in a decision's body belongs to the organization, and the API cannot write the
kinds only the workflow writes. Before issue 14 the API stored another organization's
checkpoint (then shown on that organization's checkpoint page) and ids that do not exist."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.decisions.operations import record_decision
from governance.enums import CheckpointKind
from governance.extensions import db as _db
from governance.gates.models import Checkpoint

API = "/api/v1/orgs/acme-freight/decisions"


def _count():
    return _db.session.scalar(sa.select(sa.func.count()).select_from(Decision))


def _checkpoint(initiative, requester):
    checkpoint = Checkpoint(
        organization_id=initiative.organization_id,
        initiative_id=initiative.id,
        kind=CheckpointKind.PHASE,
        phase_id=initiative.phases[0].id,
        requested_by_id=requester.id,
        request_note="Ready.",
    )
    _db.session.add(checkpoint)
    _db.session.commit()
    return checkpoint


def _body(**overrides):
    return {
        "title": "Use the vendor model",
        "context": "Cost.",
        "decision": "Adopt it.",
        **overrides,
    }


@pytest.fixture
def foreign(world, db):
    """Another organization's checkpoint and decision."""
    other = world["other_initiative"]
    checkpoint = _checkpoint(other, world["users"]["outsider"])
    decision = record_decision(
        world["other"], world["users"]["outsider"], title="Theirs", context="c", decision="d"
    )
    db.session.commit()
    return {"checkpoint": checkpoint.id, "decision": decision.id, "initiative": other.id}


@pytest.mark.parametrize(
    ("field", "which"),
    [
        ("checkpoint_id", "checkpoint"),
        ("initiative_id", "initiative"),
        ("supersedes_id", "decision"),
        ("checkpoint_id", None),
        ("initiative_id", None),
        ("supersedes_id", None),
    ],
)
def test_foreign_or_missing_ids_answer_404_naming_the_field(
    world, client, token_for, foreign, field, which
):
    before = _count()
    value = foreign[which] if which else 987654
    response = client.post(
        API, json=_body(**{field: value}), headers=token_for(world["users"]["leader"])
    )
    assert response.status_code == 404, response.get_json()
    assert response.get_json()["error"]["message"].startswith(f"{field}: No such")
    assert _count() == before


def test_an_own_checkpoint_is_linked_and_shown_on_its_page(world, client, token_for, as_user):
    checkpoint = _checkpoint(world["initiative"], world["users"]["contributor"])
    body = _body(checkpoint_id=checkpoint.id, initiative_id=world["initiative"].id)
    response = client.post(API, json=body, headers=token_for(world["users"]["leader"]))
    assert response.status_code == 201 and response.get_json()["checkpoint_id"] == checkpoint.id
    page = as_user(world["users"]["auditor"]).get(f"/orgs/acme-freight/checkpoints/{checkpoint.id}")
    assert "Use the vendor model" in page.get_data(as_text=True)


def test_a_checkpoint_of_another_initiative_is_refused(world, client, token_for, make_initiative):
    checkpoint = _checkpoint(world["initiative"], world["users"]["contributor"])
    elsewhere = make_initiative(world["org"], "Route ETA")
    body = _body(checkpoint_id=checkpoint.id, initiative_id=elsewhere.id)
    response = client.post(API, json=body, headers=token_for(world["users"]["leader"]))
    assert response.status_code == 400
    assert "checkpoint_id" in response.get_json()["error"]["details"]
    assert _count() == 0


def test_the_database_refuses_a_checkpoint_that_does_not_exist(world, db):
    """The foreign key (migration 0012) holds even for a writer that skips the checks."""
    entry = record_decision(
        world["org"], world["users"]["leader"], title="t", context="c", decision="d"
    )
    db.session.commit()
    table = Decision.__table__
    row = dict(db.session.execute(sa.select(table).where(table.c.id == entry.id)).mappings().one())
    row.update(id=entry.id + 1, thread_id=entry.id + 1, seq=2, prev_hash=entry.hash, hash="f" * 64)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.insert(table).values(**{**row, "checkpoint_id": 987654}))
    db.session.rollback()
    db.session.execute(sa.insert(table).values(**row))  # the same row with no checkpoint: fine
    db.session.rollback()


@pytest.mark.parametrize(
    "kind", ["checkpoint_approved", "checkpoint_rejected", "waiver", "checkpoint_reviewed_again"]
)
def test_the_api_cannot_write_the_workflows_kinds(world, client, token_for, kind):
    response = client.post(API, json=_body(kind=kind), headers=token_for(world["users"]["pmo"]))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "kind" in error["details"] and "written by the workflow" in error["message"]
    assert _count() == 0


def test_the_web_form_offers_no_workflow_kind(world, as_user):
    response = as_user(world["users"]["leader"]).post(
        "/orgs/acme-freight/decisions/new",
        data={
            "title": "Waive it",
            "kind": "waiver",
            "status": "accepted",
            "impact": "normal",
            "initiative_id": "None",
            "phase": "",
            "supersedes_id": "None",
            "context": "c",
            "decision": "d",
        },
    )
    assert response.status_code == 400 and _count() == 0
