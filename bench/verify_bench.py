"""How fast the standalone verifier checks a large decision-log export.

    python bench/verify_bench.py [N]        # N entries, 100000 by default

Generates N realistic, chained entries into a temporary JSONL file, then times verify_file on
it. Loads governance/verify.py by path, like an auditor would, so the app need not be installed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

VERIFY_PY = Path(__file__).resolve().parent.parent / "governance" / "verify.py"


def load_verify() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_standalone", VERIFY_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class body is processed.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def generate(verify: ModuleType, path: Path, count: int) -> None:
    statuses = ["proposed", "approved", "rejected", "deferred"]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    prev = verify.GENESIS_HASH
    with path.open("w", encoding="utf-8") as out:
        for seq in range(1, count + 1):
            entry: dict[str, object] = {
                "seq": seq,
                "prev_hash": prev,
                "organization": "acme-health",
                "decision_id": f"DEC-{seq:06d}",
                "title": f"Decision {seq}: approve model card revision for triage assistant",
                "status": statuses[seq % len(statuses)],
                "impact": seq % 5 + 1,
                "created_at": verify.format_timestamp(start + timedelta(minutes=seq)),
                "options": ["approve", "approve with conditions", "reject"],
                "details": {
                    "rationale": "Bias evaluation within tolerance; monitoring plan attached.",
                    "reviewers": ["a.okafor", "m.ruiz"],
                    "risk": {"level": "medium", "score": seq % 10},
                },
                "approved": seq % 2 == 0,
                "superseded_by": None,
            }
            entry["hash"] = prev = verify.entry_hash(entry)
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    verify = load_verify()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.jsonl"
        began = time.perf_counter()
        generate(verify, path, count)
        generated = time.perf_counter() - began
        size_mb = path.stat().st_size / 1e6

        began = time.perf_counter()
        result = verify.verify_file(path)
        elapsed = time.perf_counter() - began

    if not result.ok or result.count != count:
        print(f"unexpected result: {result}", file=sys.stderr)
        return 1
    print(f"generated {count} entries ({size_mb:.1f} MB) in {generated:.2f} s")
    print(f"verify_file: {elapsed:.2f} s, {count / elapsed:,.0f} entries/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
