"""Exports of an organization's decision log: JSONL (what verify.py checks), CSV and MADR.

JSONL is exactly the hashed entries, one per line in seq order, each with its "hash": an
auditor checks it offline with governance/verify.py. CSV has the same columns for
spreadsheets (lists and details as JSON text). MADR writes one Markdown file per decision,
`NNNN-title-with-dashes.md`, numbered by the decision's first entry, with its whole history.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# The tracker's one CSV cell rule (formula neutralising), shared with the dashboards' tables.
from governance.dashboards.charts import csv_cell
from governance.decisions.chain import hashed_columns, iter_entries
from governance.portfolio.models import Organization

FORMATS = ("jsonl", "csv", "madr")


def jsonl_lines(org: Organization) -> Iterator[str]:
    for entry in iter_entries(org):
        yield json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"


def csv_columns() -> list[str]:
    return ["organization", *hashed_columns(), "hash"]


def csv_lines(org: Organization) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = csv_columns()
    writer.writerow(columns)
    for entry in iter_entries(org):
        writer.writerow([_cell(csv_cell(entry.get(name))) for name in columns])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def slugify(title: str, max_length: int = 60) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (text[:max_length].rstrip("-")) or "decision"


def madr_documents(org: Organization) -> Iterator[tuple[str, str]]:
    """(file name, Markdown) for each decision, from its entries in seq order."""
    threads: dict[int, list[dict[str, Any]]] = {}
    for entry in iter_entries(org):
        threads.setdefault(entry["thread_id"], []).append(entry)
    seq_of = {thread_id: entries[0]["seq"] for thread_id, entries in threads.items()}
    for entries in threads.values():
        first, latest = entries[0], entries[-1]
        name = f"{first['seq']:04d}-{slugify(latest['title'])}.md"
        yield name, madr_markdown(org, latest, entries, seq_of)


def _bullets(items: list[str]) -> str:
    return "\n".join(f"* {item}" for item in items) if items else "* (none recorded)"


def madr_markdown(
    org: Organization,
    latest: dict[str, Any],
    entries: list[dict[str, Any]],
    seq_of: dict[int, int],
) -> str:
    lines = [
        "---",
        f"status: {latest['status']}",
        f"date: {latest['created_at'][:10]}",
        f"decision-makers: {', '.join(latest['decision_makers']) or latest['decided_by_name']}",
        f"consulted: {', '.join(latest['consulted'])}",
        f"informed: {', '.join(latest['informed'])}",
        "---",
        "",
        f"# {latest['title']}",
        "",
        "## Context and Problem Statement",
        "",
        latest["context"],
        "",
        "## Decision Drivers",
        "",
        _bullets(latest["decision_drivers"]),
        "",
        "## Considered Options",
        "",
        _bullets(latest["considered_options"]),
        "",
        "## Decision Outcome",
        "",
        f"Chosen option: {latest['decision']}",
    ]
    if latest["rationale"]:
        lines += ["", f"Because: {latest['rationale']}"]
    if latest["consequences"]:
        lines += ["", "### Consequences", "", latest["consequences"]]
    if latest["confirmation"]:
        lines += ["", "### Confirmation", "", latest["confirmation"]]
    lines += ["", "## More Information", ""]
    facts = [
        f"Organization: {org.name} ({org.slug})",
        f"Kind: {latest['kind']}; impact: {latest['impact']}",
        f"Decided by: {latest['decided_by_name']}",
    ]
    if latest["approved_by_name"]:
        facts.append(f"Approved by: {latest['approved_by_name']}")
    if latest["supersedes_id"] is not None:
        facts.append(f"Supersedes decision {seq_of.get(latest['supersedes_id'], '?'):04}")
    for label, key in (
        ("Initiative id", "initiative_id"),
        ("Phase id", "phase_id"),
        ("Checkpoint id", "checkpoint_id"),
    ):
        if latest[key] is not None:
            facts.append(f"{label}: {latest[key]}")
    if latest["risk_refs"]:
        facts.append(f"Risks: {', '.join(latest['risk_refs'])}")
    if latest["artifact_refs"]:
        facts.append(f"Lineage artifacts: {', '.join(latest['artifact_refs'])}")
    if latest["details"]:
        details = json.dumps(latest["details"], ensure_ascii=False, sort_keys=True)
        facts.append(f"Details: `{details}`")
    lines += [f"* {fact}" for fact in facts]
    lines += [
        "",
        "### History (decision log entries)",
        "",
        "| seq | when (UTC) | change | status | by | note | hash |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in entries:
        by = entry["approved_by_name"] if entry["change"] == "approval" else None
        note = (entry["note"] or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {entry['seq']} | {entry['created_at']} | {entry['change']} | {entry['status']} |"
            f" {by or entry['decided_by_name']} | {note} | `{entry['hash']}` |"
        )
    return "\n".join(lines) + "\n"


def write_madr(org: Organization, out: Path) -> int:
    """A folder of Markdown files, or a zip of them when `out` ends in .zip."""
    count = 0
    if out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in madr_documents(org):
                archive.writestr(f"{org.slug}-decisions/{name}", text)
                count += 1
        return count
    out.mkdir(parents=True, exist_ok=True)
    for name, text in madr_documents(org):
        (out / name).write_text(text, encoding="utf-8")
        count += 1
    return count


def madr_zip_bytes(org: Organization) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in madr_documents(org):
            archive.writestr(f"{org.slug}-decisions/{name}", text)
    return buffer.getvalue()


def write_export(org: Organization, fmt: str, out: Path) -> int:
    """Write the export; answers how many entries (JSONL, CSV) or decisions (MADR)."""
    if fmt == "madr":
        return write_madr(org, out)
    lines = jsonl_lines(org) if fmt == "jsonl" else csv_lines(org)
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        for line in lines:
            handle.write(line)
            count += 1
    return count - 1 if fmt == "csv" else count
