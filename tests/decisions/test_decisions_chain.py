"""The decision log's hash chain: append-only in the database, verifiable, no fork under load."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from governance import verify
from governance.decisions.chain import (
    chain_head,
    hashed_columns,
    hashed_entry,
    verify_organization,
)
from governance.decisions.exports import jsonl_lines
from governance.decisions.models import Decision
from governance.decisions.operations import record_decision
from governance.enums import DecisionImpact, DecisionStatus
from governance.portfolio.models import Organization


def _record(org, author, n=1, **kwargs):
    fields = {
        "title": f"Decision {n}",
        "context": f"Context {n}",
        "decision": f"Chosen option {n}",
        **kwargs,
    }
    return record_decision(org, author, **fields)


@pytest.fixture
def log(world, db):
    org, leader = world["org"], world["users"]["leader"]
    for n in range(1, 13):
        _record(
            org,
            leader,
            n,
            initiative=world["initiative"],
            decision_drivers=["cost", "time to market"],
            considered_options=["build", "buy"],
            details={"criterion": {"key": "k", "level": n}},
            risk_refs=["risk:7"],
        )
    db.session.commit()
    return org


def test_entries_chain_from_genesis_with_contiguous_seq(log, db):
    rows = list(db.session.scalars(sa.select(Decision).order_by(Decision.seq)))
    assert [r.seq for r in rows] == list(range(1, 13))
    assert rows[0].prev_hash == verify.GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    for row in rows:
        entry = hashed_entry(row, log.slug)
        assert verify.entry_hash(entry) == row.hash
        # Every column is hashed, plus the organization's slug.
        assert set(entry) == {*hashed_columns(), "organization", "hash"}
    result = verify_organization(log)
    assert result.ok and result.head_seq == 12 and result.head_hash == rows[-1].hash


def test_chains_are_per_organization(log, world, db):
    other = world["other"]
    entry = _record(other, world["users"]["outsider"])
    db.session.commit()
    assert entry.seq == 1 and entry.prev_hash == verify.GENESIS_HASH
    assert chain_head(log.id).seq == 12


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE decision SET title = 'rewritten' WHERE seq = 3",
        "UPDATE decision SET status = 'rejected'",
        "DELETE FROM decision WHERE seq = 12",
        "DELETE FROM decision",
    ],
)
def test_the_database_refuses_update_and_delete(log, db, statement):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()
    assert verify_organization(log).ok
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 12


def test_the_orm_cannot_edit_or_delete_either(log, db):
    row = db.session.scalar(sa.select(Decision).where(Decision.seq == 4))
    row.title = "rewritten"
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(Decision).where(Decision.seq == 5)))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert verify_organization(log).ok


def _without_triggers(db, statement):
    """What a determined script could do: drop the protection, rewrite a row."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE decision DISABLE TRIGGER decision_append_only"))
        try:
            db.session.execute(sa.text(statement))
        finally:
            db.session.execute(sa.text("ALTER TABLE decision ENABLE TRIGGER decision_append_only"))
    else:
        db.session.execute(sa.text("DROP TRIGGER decision_no_update"))
        db.session.execute(sa.text("DROP TRIGGER decision_no_delete"))
        db.session.execute(sa.text(statement))
    db.session.commit()


@pytest.mark.parametrize(
    ("statement", "bad_seq", "problem"),
    [
        ("UPDATE decision SET title = 'forged' WHERE seq = 7", 7, "hash mismatch"),
        ("UPDATE decision SET details = '{}' WHERE seq = 9", 9, "hash mismatch"),
        ("UPDATE decision SET decided_by_name = 'Mallory' WHERE seq = 2", 2, "hash mismatch"),
        ("DELETE FROM decision WHERE seq = 6", 7, "expected 6"),
    ],
)
def test_verify_log_names_a_rewritten_entry(log, db, runner, statement, bad_seq, problem):
    _without_triggers(db, statement)
    result = runner.invoke(args=["verify-log", "--org", log.slug])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"FAILED {log.slug}: ")
    assert problem in result.output
    assert f"seq {bad_seq}" in result.output
    everyone = runner.invoke(args=["verify-log"])
    assert everyone.exit_code == 1 and "OK globex-health: 0 entries" in everyone.output


def test_verify_log_passes_and_checks_the_anchor(log, db, runner):
    head = chain_head(log.id)
    ok = runner.invoke(args=["verify-log", "--org", log.slug, "--anchor", f"5:{_hash_of(db, 5)}"])
    assert ok.exit_code == 0, ok.output
    assert ok.output == f"OK {log.slug}: 12 entries, head seq 12 hash {head.hash}\n"
    wrong = runner.invoke(args=["verify-log", "--org", log.slug, "--anchor", f"5:{'a' * 64}"])
    assert wrong.exit_code == 1 and "anchor hash mismatch at seq 5" in wrong.output
    beyond = runner.invoke(args=["verify-log", "--org", log.slug, "--anchor", f"20:{'a' * 64}"])
    assert beyond.exit_code == 1 and "truncated after seq 12" in beyond.output
    usage = runner.invoke(args=["verify-log", "--anchor", f"5:{'a' * 64}"])
    assert usage.exit_code == 2 and "--org" in usage.output
    bad = runner.invoke(args=["verify-log", "--org", log.slug, "--anchor", "5:xyz"])
    assert bad.exit_code == 2 and "invalid anchor" in bad.output
    unknown = runner.invoke(args=["verify-log", "--org", "nope"])
    assert unknown.exit_code == 1 and "No organization" in unknown.output


def _hash_of(db, seq):
    return db.session.scalar(sa.select(Decision.hash).where(Decision.seq == seq))


# ------------------------------------------------------------------------ exported entries


@pytest.fixture
def exported(log, tmp_path, runner):
    path = tmp_path / "log.jsonl"
    result = runner.invoke(
        args=["export-log", "--org", log.slug, "--format", "jsonl", "--out", path]
    )
    assert result.exit_code == 0, result.output
    assert "Exported 12 entries" in result.output
    return path


def test_an_untouched_export_verifies_with_verify_py(exported, log, db):
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12
    assert all(json.loads(line)["organization"] == log.slug for line in lines)
    assert "".join(jsonl_lines(log)) == exported.read_text(encoding="utf-8")
    head = chain_head(log.id)
    assert verify.main([str(exported), "--anchor", f"{head.seq}:{head.hash}"]) == 0


def _tampered(value):
    if isinstance(value, bool) or value is None:
        return "tampered"
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x" if value else "x"
    if isinstance(value, list):
        return [*value, "extra"]
    return {**value, "extra": 1}


@pytest.mark.parametrize("field", [*sorted(hashed_columns()), "organization", "hash"])
def test_editing_any_field_of_an_exported_entry_fails_naming_it(exported, field, tmp_path):
    entries = [json.loads(line) for line in exported.read_text().splitlines()]
    entries[7][field] = _tampered(entries[7][field])
    path = tmp_path / "tampered.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    result = verify.verify_file(path)
    assert not result.ok
    assert result.bad_line == 8, result.error
    if field != "seq":
        assert result.bad_seq == 8


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (lambda lines: lines.pop(4), 5),  # removed
        (lambda lines: lines.insert(6, lines[2]), 7),  # inserted
        (lambda lines: lines.__setitem__(slice(3, 5), [lines[4], lines[3]]), 4),  # reordered
    ],
    ids=["removed", "inserted", "reordered"],
)
def test_removed_inserted_or_reordered_entries_fail(exported, tmp_path, edit, line):
    lines = exported.read_text().splitlines()
    edit(lines)
    path = tmp_path / "edited.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = verify.verify_file(path)
    assert not result.ok and result.bad_line == line, result.error


def test_a_cut_tail_fails_with_the_anchor(exported, log, tmp_path, capsys):
    head = chain_head(log.id)
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(exported.read_text().splitlines()[:9]) + "\n")
    assert verify.main([str(path)]) == 0
    assert verify.main([str(path), "--anchor", f"{head.seq}:{head.hash}"]) == 1
    assert "truncated after seq 9" in capsys.readouterr().out


# ---------------------------------------------------------------------------- concurrency


def test_eight_concurrent_writers_leave_one_unbroken_chain(world, app, db):
    """8 writers x 100 appends, each in its own transaction, at the same time."""
    org_id, author_id = world["org"].id, world["users"]["leader"].id
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            with app.app_context():
                org = db.session.get(Organization, org_id)
                author = db.session.get(type(world["users"]["leader"]), author_id)
                start.wait()
                for i in range(100):
                    _record(org, author, f"{n}-{i}", impact=DecisionImpact.NORMAL)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors[0]
    db.session.expire_all()
    org = db.session.get(Organization, org_id)
    result = verify_organization(org)
    assert result.ok, result.error
    assert result.count == 800 and result.head_seq == 800
    titles = set(db.session.scalars(sa.select(Decision.title)))
    assert len(titles) == 800
    statuses = set(db.session.scalars(sa.select(Decision.status)))
    assert statuses == {DecisionStatus.ACCEPTED}
