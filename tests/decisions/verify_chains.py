"""Shared by the verifier's tests: the standalone verifier loaded by file path, as an auditor
would use it, and realistic chains of entries to feed it. No app, no database."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, datetime, timedelta
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


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = verify.main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err
