"""The standalone decision-log verifier (governance/verify.py) against tampering: edited,
replaced, removed, inserted, reordered and truncated entries, and anchors. The format and the
scheme: test_verify_format.py.

Needs no app: the module is loaded by file path, as an auditor would use it (verify_chains.py),
and nothing here uses the app fixtures of tests/conftest.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.decisions.verify_chains import (
    Entry,
    N,
    chain,
    decision,
    run_main,
    verify,
    write_jsonl,
    write_lines,
)

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
