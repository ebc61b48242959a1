"""The standalone decision-log verifier (governance/verify.py).

Needs no app: the module is loaded by file path, as an auditor would use it, and nothing here
uses fixtures from conftest.py.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

VERIFY_PY = Path(__file__).resolve().parents[2] / "governance" / "verify.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("governance_verify_standalone", VERIFY_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve the module through sys.modules while building VerifyResult.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


verify = _load()

Entry = dict[str, Any]
N = 20
START = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
STATUSES = ["proposed", "under_review", "approved", "rejected", "deferred"]


def decision(seq: int, organization: str = "acme-health") -> Entry:
    """The hashed fields of one realistic decision, without the chain fields."""
    return {
        "organization": organization,
        "decision_id": f"DEC-{seq:04d}",
        "initiative": "triage-assistant",
        "title": f"Decision {seq}: release model v{seq} of the triage assistant",
        "status": STATUSES[seq % len(STATUSES)],
        "impact": seq % 5 + 1,
        "created_at": verify.format_timestamp(START + timedelta(hours=seq, microseconds=seq)),
        "decided_by": "m.ruiz@acme.example",
        "options": ["approve", "approve with conditions", "reject"],
        "details": {
            "rationale": "Bias evaluation within tolerance — monitoring plan attached.",
            "reviewers": ["a.okafor", "m.ruiz"],
            "risk": {"level": "medium", "score": seq % 10, "mitigations": ["human review"]},
        },
        "approved": seq % 2 == 0,
        "superseded_by": None,
    }


def chain(entries: list[Entry]) -> list[Entry]:
    """Give entries seq, prev_hash and hash, as the application does when it appends them."""
    prev = verify.GENESIS_HASH
    out = []
    for seq, fields in enumerate(entries, start=1):
        entry = {**fields, "seq": seq, "prev_hash": prev}
        entry["hash"] = prev = verify.entry_hash(entry)
        out.append(entry)
    return out


def make_chain(n: int = N) -> list[Entry]:
    return chain([decision(seq) for seq in range(1, n + 1)])


def write_jsonl(path: Path, entries: list[Entry]) -> Path:
    path.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8"
    )
    return path


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def entries() -> list[Entry]:
    return make_chain()


@pytest.fixture
def lines(entries: list[Entry]) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) for e in entries]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = verify.main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# ------------------------------------------------------------------------- an intact log


def test_untouched_chain_verifies(
    tmp_path: Path, entries: list[Entry], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", entries)
    code, out = run_main([str(path)], capsys)
    assert code == 0
    assert out.strip() == f"OK: {N} entries, head seq {N} hash {entries[-1]['hash']}"

    result = verify.verify_file(path)
    assert result.ok and result.error is None
    assert (result.count, result.head_seq, result.head_hash) == (N, N, entries[-1]["hash"])
    assert verify.verify_entries(entries) == result


def test_blank_lines_and_crlf_are_tolerated(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(("\r\n".join(lines[:5]) + "\r\n\r\n   \n" + "\n".join(lines[5:])).encode())
    assert verify.verify_file(path).ok


def test_empty_export_verifies_unless_anchored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    result = verify.verify_file(path)
    assert result.ok and result.count == 0 and result.head_seq is None
    assert run_main([str(path)], capsys) == (0, "OK: 0 entries (empty log)\n")

    code, out = run_main([str(path), "--anchor", f"1:{'a' * 64}"], capsys)
    assert code == 1
    assert "anchor seq 1 not found: the log is empty" in out


# --------------------------------------------------------------------- tampered entries


def _set(path: tuple[str | int, ...], value: object) -> Callable[[Entry], None]:
    def edit(entry: Entry) -> None:
        target: Any = entry
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _drop(key: str) -> Callable[[Entry], None]:
    def edit(entry: Entry) -> None:
        del entry[key]

    return edit


EDITS: dict[str, Callable[[Entry], None]] = {
    "title": _set(("title",), "Decision: release a different model"),
    "status": _set(("status",), "withdrawn"),
    "impact int to str": lambda e: e.update(impact=str(e["impact"])),
    "impact int to bool": _set(("impact",), True),
    "created_at": _set(("created_at",), "2020-01-01T00:00:00.000000Z"),
    "organization": _set(("organization",), "other-org"),
    "option appended": lambda e: e["options"].append("escalate"),
    "options reordered": lambda e: e["options"].reverse(),
    "nested rationale": _set(("details", "rationale"), "No evaluation was done."),
    "deeply nested score": lambda e: e["details"]["risk"].update(
        score=e["details"]["risk"]["score"] + 1
    ),
    "nested list item": _set(("details", "reviewers", 1), "someone.else"),
    "bool flipped": lambda e: e.update(approved=not e["approved"]),
    "null to string": _set(("superseded_by",), "DEC-9999"),
    "field added": _set(("note",), "added later"),
    "field removed": _drop("decided_by"),
    "unicode normalisation": lambda e: e.update(title=e["title"].replace("v", "\u1d5b")),
    "prev_hash": _set(("prev_hash",), "1" * 64),
    "hash": _set(("hash",), "f" * 64),
}


@pytest.mark.parametrize("seq", [1, 2, 11, N])
@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_editing_any_field_of_any_entry_fails_naming_it(
    tmp_path: Path,
    entries: list[Entry],
    capsys: pytest.CaptureFixture[str],
    seq: int,
    edit: str,
) -> None:
    tampered = copy.deepcopy(entries)
    EDITS[edit](tampered[seq - 1])
    # Compared as JSON: True == 1 in Python, yet they are different values in the log.
    assert json.dumps(tampered) != json.dumps(entries), "the edit must change something"
    path = write_jsonl(tmp_path / "export.jsonl", tampered)

    result = verify.verify_file(path)
    assert not result.ok
    assert (result.bad_seq, result.bad_line) == (seq, seq)
    assert result.error == f"entry seq {seq} (line {seq}): hash mismatch: the entry was altered"
    # Everything before the edited entry still verified.
    assert result.count == seq - 1

    code, out = run_main([str(path)], capsys)
    assert code == 1
    assert out.startswith(f"FAILED: entry seq {seq} (line {seq}): hash mismatch")


def test_edited_seq_fails_naming_the_line(tmp_path: Path, entries: list[Entry]) -> None:
    entries[6]["seq"] = 70
    result = verify.verify_file(write_jsonl(tmp_path / "export.jsonl", entries))
    assert not result.ok and result.bad_line == 7
    assert result.error.startswith("entry at line 7 has seq 70, expected 7")


def test_rewritten_tail_passes_alone_but_not_against_an_anchor(
    tmp_path: Path, entries: list[Entry]
) -> None:
    """An editor who recomputes every later hash defeats the chain; an anchor does not."""
    head = (N, entries[-1]["hash"])
    fields = [
        {k: v for k, v in e.items() if k not in ("seq", "prev_hash", "hash")} for e in entries
    ]
    fields[9]["status"] = "rejected" if fields[9]["status"] != "rejected" else "approved"
    path = write_jsonl(tmp_path / "export.jsonl", chain(fields))

    assert verify.verify_file(path).ok
    result = verify.verify_file(path, anchor=head)
    assert not result.ok and result.bad_seq == N
    assert result.error.startswith(f"anchor hash mismatch at seq {N}")


def test_entry_of_another_organization_fails(tmp_path: Path) -> None:
    fields = [decision(seq) for seq in range(1, N + 1)]
    fields[7] = decision(8, organization="other-org")
    result = verify.verify_file(write_jsonl(tmp_path / "export.jsonl", chain(fields)))
    assert not result.ok and (result.bad_seq, result.bad_line) == (8, 8)
    assert "organization 'other-org' differs from 'acme-health'" in result.error


def test_organization_may_be_absent_from_every_entry(tmp_path: Path) -> None:
    fields = [
        {k: v for k, v in decision(seq).items() if k != "organization"} for seq in range(1, 6)
    ]
    assert verify.verify_entries(chain(fields)).ok


def test_float_in_an_export_fails_naming_the_entry(tmp_path: Path, lines: list[str]) -> None:
    lines[3] = lines[3].replace('"impact": ', '"impact": 0.5, "x": ', 1)
    result = verify.verify_file(write_lines(tmp_path / "export.jsonl", lines))
    assert not result.ok and (result.bad_seq, result.bad_line) == (4, 4)
    assert "float" in result.error


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("seq", None, "entry at line 5: 'seq' is missing"),
        ("seq", "5", "entry at line 5: 'seq' is not an integer ('5')"),
        ("seq", True, "entry at line 5: 'seq' is not an integer (True)"),
        ("prev_hash", None, "entry seq 5 (line 5): 'prev_hash' is missing"),
        ("prev_hash", 7, "entry seq 5 (line 5): 'prev_hash' is not 64 lowercase hex"),
        ("hash", None, "entry seq 5 (line 5): 'hash' is missing"),
        ("hash", "ABC", "entry seq 5 (line 5): 'hash' is not 64 lowercase hex"),
    ],
)
def test_missing_or_ill_typed_chain_fields(
    entries: list[Entry], key: str, value: object, problem: str
) -> None:
    if value is None:
        del entries[4][key]
    else:
        entries[4][key] = value
    result = verify.verify_entries(entries)
    assert not result.ok and result.bad_line == 5
    assert result.error.startswith(problem)


def test_seq_one_must_link_to_genesis() -> None:
    first = chain([decision(1)])[0]
    first["prev_hash"] = "1" * 64
    first["hash"] = verify.entry_hash(first)
    result = verify.verify_entries([first])
    assert not result.ok and result.bad_seq == 1
    assert "prev_hash is not the genesis hash" in result.error


def test_replaced_entry_fails_at_the_link(entries: list[Entry]) -> None:
    """A self-consistent replacement for seq 6 breaks the link from seq 7."""
    replacement = {**decision(6), "title": "forged", "seq": 6, "prev_hash": entries[4]["hash"]}
    replacement["hash"] = verify.entry_hash(replacement)
    entries[5] = replacement
    result = verify.verify_entries(entries)
    assert not result.ok and result.bad_seq == 7
    assert result.error.startswith(
        "entry seq 7 (line 7): prev_hash does not match the hash of entry seq 6"
    )


# ----------------------------------------------------------- removed, inserted, reordered


def test_removed_entry_fails_naming_it(tmp_path: Path, lines: list[str]) -> None:
    del lines[4]  # seq 5
    result = verify.verify_file(write_lines(tmp_path / "export.jsonl", lines))
    assert not result.ok and result.bad_line == 5 and result.count == 4
    assert result.error == (
        "entry at line 5 has seq 6, expected 5: an entry was removed or reordered"
        " (seq 5 missing here)"
    )


def test_removed_run_of_entries_names_the_gap(entries: list[Entry]) -> None:
    del entries[4:6]
    result = verify.verify_entries(entries)
    assert result.error == (
        "entry at line 5 has seq 7, expected 5: an entry was removed or reordered"
        " (seqs 5-6 missing here)"
    )


def test_removed_first_entry_fails(tmp_path: Path, lines: list[str]) -> None:
    result = verify.verify_file(write_lines(tmp_path / "export.jsonl", lines[1:]))
    assert not result.ok and result.bad_line == 1
    assert result.error.startswith("entry at line 1 has seq 2, expected 1: entries were removed")


def test_duplicated_line_fails_naming_it(tmp_path: Path, lines: list[str]) -> None:
    lines.insert(8, lines[7])  # seq 8 twice, on lines 8 and 9
    result = verify.verify_file(write_lines(tmp_path / "export.jsonl", lines))
    assert not result.ok and (result.bad_seq, result.bad_line) == (8, 9)
    assert result.error.startswith("entry at line 9 has seq 8, expected 9")
    assert "inserted" in result.error


def test_inserted_earlier_line_fails_naming_it(tmp_path: Path, lines: list[str]) -> None:
    lines.insert(12, lines[2])  # a copy of seq 3 as line 13
    result = verify.verify_file(write_lines(tmp_path / "export.jsonl", lines))
    assert not result.ok and result.bad_line == 13
    assert (
        result.error
        == "entry at line 13 has seq 3, expected 13: an entry was inserted or reordered"
    )


def test_swapped_lines_fail_naming_them(tmp_path: Path, lines: list[str]) -> None:
    lines[3], lines[4] = lines[4], lines[3]  # seq 4 and 5
    result = verify.verify_file(write_lines(tmp_path / "export.jsonl", lines))
    assert not result.ok and (result.bad_seq, result.bad_line) == (5, 4)
    assert result.error.startswith(
        "entry at line 4 has seq 5, expected 4: an entry was removed or reordered"
    )


def test_line_numbers_count_blank_lines(tmp_path: Path, lines: list[str]) -> None:
    lines.insert(0, "")
    lines[5] = lines[5].replace('"status": "', '"status": "x', 1)  # seq 5, now on line 6
    result = verify.verify_file(write_lines(tmp_path / "export.jsonl", lines))
    assert (result.bad_seq, result.bad_line) == (5, 6)
    assert result.error.startswith("entry seq 5 (line 6): hash mismatch")


# ------------------------------------------------------------------- truncation, anchors


def test_truncated_tail_passes_without_anchor_fails_with_one(
    tmp_path: Path, entries: list[Entry], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", entries[:15])
    code, out = run_main([str(path)], capsys)
    assert code == 0 and out.startswith("OK: 15 entries, head seq 15")

    anchor = f"{N}:{entries[-1]['hash']}"
    code, out = run_main([str(path), "--anchor", anchor], capsys)
    assert code == 1
    assert out.strip() == f"FAILED: anchor seq {N} not found: the log was truncated after seq 15"

    result = verify.verify_file(path, anchor=(N, entries[-1]["hash"]))
    assert not result.ok and result.count == 15 and result.head_seq == 15


@pytest.mark.parametrize("seq", [1, 12, N])
def test_correct_anchor_passes(
    tmp_path: Path, entries: list[Entry], capsys: pytest.CaptureFixture[str], seq: int
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", entries)
    # Upper-case hex is accepted: it is the same hash.
    code, out = run_main(
        [str(path), "--anchor", f"{seq}:{entries[seq - 1]['hash'].upper()}"], capsys
    )
    assert code == 0, out
    assert verify.verify_entries(entries, anchor=(seq, entries[seq - 1]["hash"])).ok


def test_wrong_hash_anchor_fails(
    tmp_path: Path, entries: list[Entry], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", entries)
    code, out = run_main([str(path), "--anchor", f"12:{entries[11]['hash'][::-1]}"], capsys)
    assert code == 1
    assert out.startswith("FAILED: anchor hash mismatch at seq 12 (line 12)")
    result = verify.verify_file(path, anchor=(12, "e" * 64))
    assert not result.ok and (result.bad_seq, result.count) == (12, 11)


@pytest.mark.parametrize(
    "anchor",
    ["12", "12:", ":" + "a" * 64, "x:" + "a" * 64, "0:" + "a" * 64, "12:" + "g" * 64, "12:abc"],
)
def test_malformed_anchor_exits_2(
    tmp_path: Path, entries: list[Entry], capsys: pytest.CaptureFixture[str], anchor: str
) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", entries)
    code = verify.main([str(path), "--anchor", anchor])
    assert code == 2
    assert "invalid anchor" in capsys.readouterr().err
    with pytest.raises(ValueError, match="invalid anchor"):
        verify.parse_anchor(anchor)


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify.main([str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert verify.main([str(tmp_path)]) == 2  # a directory


# ---------------------------------------------------------------------- malformed lines


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ('{"seq": 7, "title": ', "not valid JSON"),
        ("[1, 2, 3]", "not a JSON object"),
        ('"a string"', "not a JSON object"),
        ('{"seq": 7, "seq": 8}', "duplicate key 'seq'"),
    ],
)
def test_malformed_line_fails_naming_it(
    tmp_path: Path,
    lines: list[str],
    capsys: pytest.CaptureFixture[str],
    bad: str,
    problem: str,
) -> None:
    lines[6] = bad
    path = write_lines(tmp_path / "export.jsonl", lines)
    result = verify.verify_file(path)
    assert not result.ok and result.bad_line == 7 and result.count == 6
    assert result.error.startswith("line 7: ") and problem in result.error
    code, out = run_main([str(path)], capsys)
    assert code == 1 and out.startswith("FAILED: line 7: ")


def test_invalid_utf8_fails_naming_the_line(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "export.jsonl"
    data = [line.encode() for line in lines]
    data[2] = data[2].replace(b"Decision", b"D\xffecision", 1)
    path.write_bytes(b"\n".join(data) + b"\n")
    result = verify.verify_file(path)
    assert not result.ok and result.bad_line == 3 and "UTF-8" in result.error


# ------------------------------------------------------------------------ the hash scheme


@pytest.mark.parametrize(
    "value",
    [1.5, 0.0, float("nan"), {"nested": {"deeper": [1, 2, 3.0]}}, [{"x": float("inf")}]],
    ids=["float", "zero", "nan", "nested", "in-list"],
)
def test_floats_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        verify.canonical_bytes({"seq": 1, "value": value})
    with pytest.raises(ValueError):
        verify.entry_hash({"seq": 1, "value": value})


@pytest.mark.parametrize(
    "value",
    [(1, 2), {1: "non-string key"}, datetime(2025, 1, 1), b"bytes", {1, 2}],
    ids=["tuple", "int-key", "datetime", "bytes", "set"],
)
def test_other_non_json_values_are_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        verify.canonical_bytes({"seq": 1, "value": value})


def test_canonical_bytes_test_vector() -> None:
    """Pinned, so that the scheme cannot drift; the module docstring quotes the same vector."""
    entry = {"seq": 1, "prev_hash": "0" * 64, "title": "Approve", "hash": "ignored"}
    assert verify.canonical_bytes(entry) == (
        b'{"entry":{"prev_hash":"' + b"0" * 64 + b'","seq":1,"title":"Approve"},'
        b'"scheme":"governance.decision-log.v1"}'
    )
    expected = "9195fd4a75c720bb73cfabbd4422d26389442478f63f768e5265f5f6b80116af"
    assert verify.entry_hash(entry) == expected
    assert expected in (verify.__doc__ or "")
    assert verify.SCHEME == "governance.decision-log.v1"
    assert verify.DOMAIN == b"governance-decision-log\x00"
    assert verify.GENESIS_HASH == "0" * 64


def test_canonical_bytes_details() -> None:
    base = {"seq": 1}
    # Key order and whitespace of the input do not matter; values and types do.
    assert verify.canonical_bytes({"b": 1, "a": 2}) == verify.canonical_bytes({"a": 2, "b": 1})
    assert verify.canonical_bytes({**base, "x": 1}) != verify.canonical_bytes({**base, "x": True})
    assert verify.canonical_bytes({**base, "x": 1}) != verify.canonical_bytes({**base, "x": "1"})
    # Non-ASCII is written as UTF-8, not \u escapes; control characters are escaped.
    assert "é\\n".encode() in verify.canonical_bytes({"t": "é\n"})
    assert b"\\u001f" in verify.canonical_bytes({"t": "\x1f"})
    # Nested "hash" keys are data, only the top-level one is excluded.
    assert b'"hash":"x"' in verify.canonical_bytes({"hash": "y", "d": {"hash": "x"}})
    with pytest.raises(ValueError):
        verify.canonical_bytes({"t": "\ud800"})  # a lone surrogate is not UTF-8


def test_format_timestamp() -> None:
    assert verify.format_timestamp(datetime(2025, 3, 1, 9, 5, 7)) == "2025-03-01T09:05:07.000000Z"
    cet = timezone(timedelta(hours=1))
    assert (
        verify.format_timestamp(datetime(2025, 1, 1, 0, 30, 0, 42, tzinfo=cet))
        == "2024-12-31T23:30:00.000042Z"
    )
    assert verify.format_timestamp(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"


# ------------------------------------------------------------------------ self-contained


def test_imports_only_the_standard_library() -> None:
    tree = ast.parse(VERIFY_PY.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            assert node.module is not None
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_runs_as_a_lone_script(tmp_path: Path, entries: list[Entry]) -> None:
    """An auditor's copy of verify.py, run by itself in isolated mode (-I: no PYTHONPATH,
    no user site, not even its own directory on sys.path)."""
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    script = Path(shutil.copy(VERIFY_PY, auditor / "verify.py"))
    good = write_jsonl(auditor / "export.jsonl", entries)
    tampered_entries = copy.deepcopy(entries)
    tampered_entries[9]["details"]["risk"]["level"] = "low"
    bad = write_jsonl(auditor / "tampered.jsonl", tampered_entries)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", str(script), *args],
            cwd=auditor,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    ok = run(str(good), "--anchor", f"{N}:{entries[-1]['hash']}")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == f"OK: {N} entries, head seq {N} hash {entries[-1]['hash']}\n"

    failed = run(str(bad))
    assert failed.returncode == 1
    assert failed.stdout.startswith("FAILED: entry seq 10 (line 10): hash mismatch")

    unusable = run(str(good), "--anchor", "nonsense")
    assert unusable.returncode == 2 and "invalid anchor" in unusable.stderr
