"""The standalone decision-log verifier (governance/verify.py): an intact export, the lines it
refuses to read, the hash scheme it pins, and that it runs alone. Tampering is in
test_verify_tampering.py.

Needs no app: the module is loaded by file path, as an auditor would use it (verify_chains.py),
and nothing here uses the app fixtures of tests/conftest.py.
"""

from __future__ import annotations

import ast
import copy
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.decisions.verify_chains import (
    VERIFY_PY,
    Entry,
    N,
    run_main,
    verify,
    write_jsonl,
    write_lines,
)

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
