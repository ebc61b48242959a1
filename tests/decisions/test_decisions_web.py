"""The decision log pages: permissions, the record form, approval, history, filters, exports."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from governance import verify
from governance.decisions.models import Decision
from governance.decisions.operations import record_decision
from governance.decisions.rules import awaits_second_person
from governance.enums import DecisionImpact, DecisionStatus

LOG = "/orgs/acme-freight/decisions"


def _count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Decision))


def _form(**overrides):
    data = {
        "title": "Buy the OCR vendor's model",
        "kind": "architecture",
        "status": "accepted",
        "impact": "normal",
        "initiative_id": "None",
        "phase": "",
        "supersedes_id": "None",
        "context": "We need label OCR at 12 hubs by Q2.",
        "decision_drivers": "time to market\ncost",
        "considered_options": "build\nbuy",
        "decision": "Buy",
        "rationale": "Vendor accuracy is 98% on our labels.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def recorded(world, db):
    entry = record_decision(
        world["org"],
        world["users"]["contributor"],
        title="Go live with parcel fraud scoring",
        context="Pilot met its targets.",
        decision="Promote to production",
        impact=DecisionImpact.HIGH,
        initiative=world["initiative"],
    )
    db.session.commit()
    return entry


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("leader", 200),
        ("pmo", 200),
        ("contributor", 200),
        ("auditor", 200),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_read_the_log_and_a_decision(world, as_user, user_in_role, recorded, role, status):
    client = as_user(user_in_role(role))
    assert client.get(LOG).status_code == status
    assert client.get(f"{LOG}/{recorded.seq}").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 302),
        ("leader", 302),
        ("pmo", 302),
        ("contributor", 302),
        ("auditor", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_record_a_decision(world, as_user, user_in_role, db, role, status):
    before = _count(db)
    response = as_user(user_in_role(role)).post(f"{LOG}/new", data=_form())
    assert response.status_code == status
    assert _count(db) == before + (1 if role != "anonymous" and status == 302 else 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("leader", 200),
        ("pmo", 200),
        ("contributor", 403),
        ("auditor", 200),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_export_and_verify(world, as_user, user_in_role, recorded, role, status):
    client = as_user(user_in_role(role))
    for path in ("export.jsonl", "export.csv", "export.zip", "verify", "verify.py"):
        assert client.get(f"{LOG}/{path}").status_code == status, path


def test_recording_shows_the_entry_with_its_hashes(world, as_user, db):
    response = as_user(world["users"]["contributor"]).post(f"{LOG}/new", data=_form())
    entry = db.session.scalar(sa.select(Decision))
    assert response.headers["Location"].endswith(f"{LOG}/{entry.seq}")
    page = as_user(world["users"]["auditor"]).get(f"{LOG}/{entry.seq}").get_data(as_text=True)
    assert "Buy the OCR vendor" in page and entry.hash in page and entry.prev_hash in page
    assert entry.decision_drivers == ["time to market", "cost"]
    assert entry.decided_by_name == "contributor person"


@pytest.mark.parametrize(
    ("given", "lands"),
    [
        (
            "/orgs/acme-freight/initiatives/7#decisions-h",
            "/orgs/acme-freight/initiatives/7#decisions-h",
        ),
        ("//evil.example/x", None),  # another site: refused, the entry's page instead
        ("https://evil.example/x", None),
    ],
)
def test_recording_returns_where_the_form_was_opened(world, as_user, db, given, lands):
    """Opened from an initiative's page (its `next`), the form returns there; a `next` off
    this site is ignored."""
    client = as_user(world["users"]["contributor"])
    form_page = client.get(f"{LOG}/new", query_string={"next": given}).get_data(as_text=True)
    assert (f'name="next" value="{given}"' in form_page) == (lands is not None)
    response = client.post(f"{LOG}/new", data=_form(next=given))
    entry = db.session.scalar(sa.select(Decision))
    assert response.headers["Location"].endswith(lands or f"{LOG}/{entry.seq}")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"context": "  "}, "This field is required"),
        ({"decision": ""}, "This field is required"),
        ({"title": "x" * 201}, "Field cannot be longer than 200"),
        ({"status": "superseded"}, "Not a valid choice"),
        ({"impact": "critical"}, "Not a valid choice"),
        ({"phase": "governance"}, "Choose the initiative of this phase"),
        ({"supersedes_id": "999999"}, "Not a valid choice"),
        ({"initiative_id": "999999"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_recorded(world, as_user, db, overrides, message):
    response = as_user(world["users"]["leader"]).post(f"{LOG}/new", data=_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0


def test_another_organizations_initiative_cannot_be_linked(world, as_user, db):
    other = world["other_initiative"]
    response = as_user(world["users"]["leader"]).post(
        f"{LOG}/new", data=_form(initiative_id=str(other.id))
    )
    assert response.status_code == 400 and _count(db) == 0


def test_high_impact_needs_a_second_persons_approval(world, as_user, db, recorded):
    assert recorded.status == DecisionStatus.PROPOSED and awaits_second_person(recorded)
    # The author (even with the right to decide) cannot approve their own decision.
    pmo_entry = record_decision(
        world["org"],
        world["users"]["pmo"],
        title="Retire the legacy rules engine",
        context="c",
        decision="d",
        impact=DecisionImpact.HIGH,
    )
    db.session.commit()
    own = as_user(world["users"]["pmo"]).post(f"{LOG}/{pmo_entry.seq}/approve", data={})
    assert own.status_code == 400
    assert "You cannot approve your own decision" in own.get_data(as_text=True)
    before = _count(db)
    # A contributor may not approve at all.
    assert (
        as_user(world["users"]["contributor"]).post(f"{LOG}/{recorded.seq}/approve").status_code
        == 403
    )
    assert (
        as_user(world["users"]["auditor"]).post(f"{LOG}/{recorded.seq}/approve").status_code == 403
    )
    assert _count(db) == before
    ok = as_user(world["users"]["leader"]).post(
        f"{LOG}/{recorded.seq}/approve", data={"note": "Go-live checklist reviewed."}
    )
    assert ok.status_code == 302
    approval = db.session.scalar(sa.select(Decision).order_by(Decision.seq.desc()).limit(1))
    assert approval.change == "approval" and approval.status == DecisionStatus.ACCEPTED
    assert approval.revises_id == recorded.id and approval.thread_id == recorded.id
    assert approval.approved_by_id == world["users"]["leader"].id
    # The original entry is untouched; the page of either entry shows the whole history.
    db.session.expire_all()
    assert db.session.get(Decision, recorded.id).status == DecisionStatus.PROPOSED
    page = as_user(world["users"]["auditor"]).get(f"{LOG}/{recorded.seq}").get_data(as_text=True)
    assert "Go-live checklist reviewed." in page and approval.hash in page
    again = as_user(world["users"]["admin"]).post(f"{LOG}/{approval.seq}/approve")
    assert again.status_code == 409 and "Only a proposed decision" in again.get_data(as_text=True)


def test_status_change_and_correction_are_new_entries(world, as_user, db):
    client = as_user(world["users"]["contributor"])
    client.post(f"{LOG}/new", data=_form())
    first = db.session.scalar(sa.select(Decision))
    refused = client.post(f"{LOG}/{first.seq}/status", data={"status": "deprecated"})
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    corrected = client.post(
        f"{LOG}/{first.seq}/correct",
        data={
            **_form(rationale="Vendor accuracy is 97.5% on our labels."),
            "note": "Typo in %",
            "version": str(first.seq),
        },
    )
    assert corrected.status_code == 302
    done = client.post(
        f"{LOG}/{first.seq}/status", data={"status": "deprecated", "note": "Vendor sunset"}
    )
    assert done.status_code == 302
    rows = list(db.session.scalars(sa.select(Decision).order_by(Decision.seq)))
    assert [r.change for r in rows] == ["recorded", "correction", "status_change"]
    assert rows[2].status == DecisionStatus.DEPRECATED and rows[2].rationale.startswith("Vendor")
    assert {r.thread_id for r in rows} == {first.id}
    final = client.post(f"{LOG}/{first.seq}/status", data={"status": "accepted", "note": "x"})
    assert final.status_code == 400 and "can no longer change" in final.get_data(as_text=True)
    assert _count(db) == 3


def test_superseding_marks_the_earlier_decision_superseded(world, as_user, db):
    client = as_user(world["users"]["leader"])
    client.post(f"{LOG}/new", data=_form(title="Vendor A for OCR"))
    old = db.session.scalar(sa.select(Decision))
    client.post(f"{LOG}/new", data=_form(title="Vendor B for OCR", supersedes_id=str(old.id)))
    rows = list(db.session.scalars(sa.select(Decision).order_by(Decision.seq)))
    assert rows[1].supersedes_id == old.id
    assert rows[2].thread_id == old.id and rows[2].status == DecisionStatus.SUPERSEDED
    page = client.get(f"{LOG}/{old.seq}").get_data(as_text=True)
    assert "Superseded by" in page and "Vendor B for OCR" in page


def test_filters_search_and_keyset_pages(world, as_user, db, app):
    app.config["PAGE_SIZE"] = 3
    org, leader = world["org"], world["users"]["leader"]
    for n in range(7):
        record_decision(
            org,
            leader,
            title=f"Decision {n} {'drift' if n % 2 else 'vendor'}",
            context="c",
            decision="d",
            initiative=world["initiative"] if n < 2 else None,
        )
    db.session.commit()
    client = as_user(world["users"]["auditor"])
    first = client.get(LOG).get_data(as_text=True)
    assert "Decision 6" in first and "Decision 3" not in first and "after=5" in first
    second = client.get(f"{LOG}?after=5").get_data(as_text=True)
    assert "Decision 3" in second and "Decision 1" in second and "Decision 0" not in second
    found = client.get(f"{LOG}?q=drift").get_data(as_text=True)
    assert "Decision 5 drift" in found and "vendor" not in found.split("<table")[1]
    by_initiative = client.get(f"{LOG}?initiative={world['initiative'].id}").get_data(as_text=True)
    assert "Decision 1" in by_initiative and "Decision 2" not in by_initiative
    assert "Decision 6" not in client.get(f"{LOG}?date_to=2000-01-01").get_data(as_text=True)
    assert "Decision 6" in client.get(f"{LOG}?person={leader.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "impact=huge",
        "date_from=2026-13-01",
        "initiative=abc",
        "date_from=2026-02-01&date_to=2026-01-01",
    ],
)
def test_bad_filters_answer_400(world, as_user, query):
    response = as_user(world["users"]["auditor"]).get(f"{LOG}?{query}")
    assert response.status_code == 400


def test_downloads_verify_and_match_the_cli(world, as_user, db, recorded, tmp_path):
    client = as_user(world["users"]["auditor"])
    jsonl = client.get(f"{LOG}/export.jsonl")
    path = tmp_path / "download.jsonl"
    path.write_bytes(jsonl.data)
    assert verify.verify_file(path, anchor=(recorded.seq, recorded.hash)).ok
    assert json.loads(jsonl.data.splitlines()[0])["organization"] == "acme-freight"
    csv_text = client.get(f"{LOG}/export.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("organization,id,") and recorded.hash in csv_text
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{LOG}/export.zip").data))
    names = archive.namelist()
    assert names == ["acme-freight-decisions/0001-go-live-with-parcel-fraud-scoring.md"]
    text = archive.read(names[0]).decode()
    assert "## Context and Problem Statement" in text and "status: proposed" in text
    assert client.get(f"{LOG}/export.pdf").status_code == 404
    page = client.get(f"{LOG}/verify").get_data(as_text=True)
    assert "Intact: 1 entries verified" in page and recorded.hash in page


def test_organization_and_initiative_pages_link_to_the_log(world, as_user, recorded):
    client = as_user(world["users"]["auditor"])
    assert LOG in client.get("/orgs/acme-freight").get_data(as_text=True)
    page = client.get(f"/orgs/acme-freight/initiatives/{world['initiative'].id}")
    assert "Go live with parcel fraud scoring" in page.get_data(as_text=True)
