"""The audit trail written by one mechanism, and no lost updates under concurrent edits."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from governance.audit import AuditEvent
from governance.people.models import Membership
from governance.portfolio.models import Initiative


def _events(db, record_type, record_id):
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
            .order_by(AuditEvent.id)
        )
    )


def test_every_insert_is_audited(world, db):
    initiative = world["initiative"]
    events = _events(db, "initiative", initiative.id)
    assert events[0].action == "insert"
    assert '"name": "Parcel fraud scoring"' in events[0].new_value
    assert events[0].organization_id == world["org"].id
    phase_ids = [p.id for p in initiative.phases]
    assert all(_events(db, "phase", pid) for pid in phase_ids)


def test_an_edit_records_who_which_field_old_and_new_value(world, as_user, db):
    initiative = world["initiative"]
    leader = world["users"]["leader"]
    response = as_user(leader).post(
        f"/orgs/acme-freight/initiatives/{initiative.id}/edit",
        data={
            "name": "Parcel fraud scoring v2",
            "program_id": str(initiative.program_id),
            "risk_tier": "high",
            "owner_id": "None",
            "version": str(initiative.version),
        },
    )
    assert response.status_code == 302
    updates = {e.field: e for e in _events(db, "initiative", initiative.id) if e.action == "update"}
    assert updates["name"].old_value == "Parcel fraud scoring"
    assert updates["name"].new_value == "Parcel fraud scoring v2"
    assert updates["risk_tier"].old_value == "medium" and updates["risk_tier"].new_value == "high"
    assert updates["name"].actor_id == leader.id
    page = as_user(world["users"]["auditor"]).get(f"/orgs/acme-freight/initiatives/{initiative.id}")
    assert "Parcel fraud scoring v2" in page.get_data(as_text=True)


def test_a_delete_is_audited_with_the_old_values(world, as_user, db):
    outsider = world["users"]["outsider"]
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == outsider.id))
    as_user(world["users"]["admin"]).post(f"/orgs/globex-health/members/{outsider.id}/remove")
    events = _events(db, "membership", membership.id)
    assert events[-1].action == "delete"
    assert '"role": "leader"' in events[-1].old_value
    assert events[-1].actor_id == world["users"]["admin"].id


def test_secrets_never_reach_the_audit_trail(world, db):
    user = world["users"]["pmo"]
    user.set_password("a-brand-new-password")
    db.session.commit()
    values = " ".join(
        (e.old_value or "") + (e.new_value or "") for e in _events(db, "user", user.id)
    )
    assert "pbkdf2" not in values and "scrypt" not in values
    assert "[redacted]" in values


def test_a_save_from_an_older_version_is_refused_with_the_current_values(world, as_user, db):
    initiative = world["initiative"]
    stale_version = str(initiative.version)
    common = {"program_id": str(initiative.program_id), "risk_tier": "medium", "owner_id": "None"}
    first = as_user(world["users"]["leader"]).post(
        f"/orgs/acme-freight/initiatives/{initiative.id}/edit",
        data={**common, "name": "Leader's name", "version": stale_version},
    )
    assert first.status_code == 302
    second = as_user(world["users"]["pmo"]).post(
        f"/orgs/acme-freight/initiatives/{initiative.id}/edit",
        data={**common, "name": "PMO's name", "version": stale_version},
    )
    assert second.status_code == 400
    html = second.get_data(as_text=True)
    assert "Someone else changed this record" in html
    assert "Leader&#39;s name" in html or "Leader's name" in html  # the current values are shown
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).name == "Leader's name"


def test_two_sessions_saving_the_same_record_cannot_both_win(world, db):
    initiative_id = world["initiative"].id
    first, second = Session(db.engine), Session(db.engine)
    try:
        a = first.get(Initiative, initiative_id)
        b = second.get(Initiative, initiative_id)
        a.name, b.name = "first", "second"
        first.commit()
        try:
            second.commit()
            raise AssertionError("the second save must be refused")
        except StaleDataError:
            second.rollback()
    finally:
        first.close()
        second.close()
    db.session.expire_all()
    assert db.session.get(Initiative, initiative_id).name == "first"


def test_concurrent_read_modify_write_loses_nothing(world, db):
    """8 writers each append 5 marks to one record by read-modify-write; the version check
    makes a writer that read an old value retry instead of overwriting, so all 40 survive."""
    initiative_id = world["initiative"].id
    engine = db.engine
    errors: list[BaseException] = []
    retries = [0]

    def writer(n: int) -> None:
        try:
            for i in range(5):
                while True:
                    with Session(engine) as session:
                        row = session.get(Initiative, initiative_id)
                        row.description = f"{row.description} w{n}-{i}"
                        try:
                            session.commit()
                            break
                        except (StaleDataError, sa.exc.OperationalError):
                            session.rollback()
                            retries[0] += 1
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    db.session.expire_all()
    saved = db.session.get(Initiative, initiative_id)
    marks = saved.description.split()
    assert len(marks) == 40 and len(set(marks)) == 40
    assert saved.version == 1 + 40


def test_the_initiative_activity_names_people_not_ids(world, as_user):
    initiative = world["initiative"]
    criterion = initiative.phases[0].criteria[0]
    pmo = world["users"]["pmo"]
    response = as_user(world["users"]["leader"]).post(
        f"/orgs/acme-freight/initiatives/{initiative.id}/criteria/{criterion.id}/plan",
        data={"owner_id": str(pmo.id), "due_on": "2027-02-01", "version": str(criterion.version)},
    )
    assert response.status_code == 302
    page = as_user(world["users"]["auditor"]).get(f"/orgs/acme-freight/initiatives/{initiative.id}")
    html = page.get_data(as_text=True)
    assert f"→ <ins>{pmo.name}</ins>" in html
