"""Rows of a synthetic client organization, as plain dicts ready for bulk inserts.

Every rule the operations enforce holds here too: an initiative's phases before its current one
are complete with every criterion met, the current one is in progress, the later ones have not
started; each organization's decision log is one hash chain computed with
governance.decision_log (the code `flask verify-log` runs); lineage edges never cross
organizations nor loop; scores stay within 1-5. Ids are allocated here (`Ids`), so rows can
point at each other before anything is inserted.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from governance.catalog import maturity_dimensions, phase_catalog
from governance.decision_log import entry_from_values
from governance.verify import GENESIS_HASH, entry_hash

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
WORDS = (
    "fraud churn triage forecast routing pricing claims drift bias retraining vendor "
    "telemetry rollback lineage consent privacy audit latency recall precision threshold "
    "sponsor budget pilot scale production fairness monitoring labelling features"
).split()
LAYERS = (
    # kind, node type, share of an initiative's artifacts
    ("data_source", "dataset", 3),
    ("job", "job", 3),
    ("dataset", "dataset", 4),
    ("feature_set", "dataset", 3),
    ("model", "dataset", 2),
    ("model_version", "dataset", 2),
    ("deployment", "dataset", 2),
    ("business_outcome", "dataset", 1),
)
EDGE_KIND = {
    "job": "feeds",
    "dataset": "feeds",
    "feature_set": "derived_from",
    "model": "trained_on",
    "model_version": "trained_on",
    "deployment": "deployed_as",
    "business_outcome": "measured_by",
}


@dataclass
class Ids:
    """The next id of each table (rows are inserted with explicit ids)."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


@dataclass
class Sizes:
    """Per organization."""

    programs: int
    initiatives_per_program: int
    decisions: int
    artifacts_per_initiative: int
    edges_per_artifact: int
    assessments_per_initiative: int
    risks_per_initiative: int
    measurements_per_kpi: int
    audit_events: int


@dataclass
class Org:
    id: int
    slug: str
    members: dict[str, int]  # role -> user id (leader is the shared fractional leader)
    names: dict[int, str]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(table, []).append(row)
        return row


def _stamp(rng: random.Random, days_back: int) -> datetime:
    seconds = rng.randrange(max(1, days_back) * 86400)
    return NOW - timedelta(seconds=seconds, microseconds=rng.randrange(1_000_000))


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def build(org: Org, sizes: Sizes, ids: Ids, rng: random.Random) -> None:
    """Every row of one organization, into org.rows (table name -> rows)."""
    initiatives = _portfolio(org, sizes, ids, rng)
    _maturity(org, sizes, ids, rng, initiatives)
    _lineage(org, sizes, ids, rng, initiatives)
    _decisions(org, sizes, ids, rng, initiatives)
    _audit(org, sizes, ids, rng)


def _portfolio(org: Org, sizes: Sizes, ids: Ids, rng: random.Random) -> list[dict[str, Any]]:
    catalog = phase_catalog()
    leader, owner = org.members["leader"], org.members["contributor"]
    initiatives = []
    for p in range(sizes.programs):
        program_id = ids.take("program")
        stamp = _stamp(rng, 900)
        org.add(
            "program",
            {
                "id": program_id,
                "organization_id": org.id,
                "name": f"Program {p + 1}: {_words(rng, 2)}",
                "description": _words(rng, 12),
                "owner_id": leader,
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
            },
        )
        for i in range(sizes.initiatives_per_program):
            initiative = org.add(
                "initiative",
                {
                    "id": ids.take("initiative"),
                    "organization_id": org.id,
                    "program_id": program_id,
                    "name": f"{_words(rng, 2).capitalize()} {p + 1}.{i + 1}",
                    "description": _words(rng, 20),
                    "stage": rng.choice(["pilot", "pilot", "scale", "production", "retired"]),
                    "risk_tier": rng.choice(["low", "medium", "high"]),
                    "owner_id": owner,
                    "sponsor": "Executive sponsor",
                    "created_at": stamp,
                    "updated_at": stamp,
                    "version": 1,
                },
            )
            initiatives.append(initiative)
            _phases(org, ids, rng, initiative, catalog, stamp)
    return initiatives


def _phases(
    org: Org,
    ids: Ids,
    rng: random.Random,
    initiative: dict[str, Any],
    catalog: list[dict[str, Any]],
    started: datetime,
) -> None:
    current = rng.randint(1, len(catalog))
    step = max(1, (NOW - started).days // (current + 1))
    owner = org.members["contributor"]
    for position, spec in enumerate(catalog, start=1):
        start = started + timedelta(days=step * (position - 1))
        status = "complete" if position < current else "not_started"
        if position == current:
            status = "in_progress"
        phase_id = ids.take("phase")
        completed = start + timedelta(days=step - 1) if status == "complete" else None
        org.add(
            "phase",
            {
                "id": phase_id,
                "organization_id": org.id,
                "initiative_id": initiative["id"],
                "kind": spec["kind"],
                "position": position,
                "status": status,
                "owner_id": owner,
                "planned_start": start.date(),
                "planned_end": (start + timedelta(days=step)).date(),
                "started_at": start if status != "not_started" else None,
                "completed_at": completed,
                "created_at": started,
                "updated_at": completed or started,
                "version": 1,
            },
        )
        for n, criterion in enumerate(spec["criteria"], start=1):
            met = status == "complete" or (status == "in_progress" and rng.random() < 0.4)
            due = None
            if status == "in_progress" and not met:
                due = TODAY + timedelta(days=rng.randint(-30, 45))
            org.add(
                "exit_criterion",
                {
                    "id": ids.take("exit_criterion"),
                    "organization_id": org.id,
                    "phase_id": phase_id,
                    "key": criterion["key"],
                    "position": n,
                    "title": criterion["title"],
                    "description": criterion.get("description", ""),
                    "framework_refs": list(criterion.get("framework_refs") or []),
                    "rule": criterion.get("rule"),
                    "status": "met" if met else "open",
                    "owner_id": owner if due else None,
                    "due_on": due,
                    "evidence_url": "",
                    "evidence_text": "Reviewed and accepted." if met else "",
                    "met_by_id": owner if met else None,
                    "met_at": (completed or NOW - timedelta(days=3)) if met else None,
                    "created_at": started,
                    "updated_at": started,
                    "version": 1,
                },
            )


def _maturity(
    org: Org, sizes: Sizes, ids: Ids, rng: random.Random, initiatives: list[dict[str, Any]]
) -> None:
    dimensions = [d["key"] for d in maturity_dimensions()]
    for initiative in initiatives:
        base = rng.randint(1, 3)
        for n in range(sizes.assessments_per_initiative):
            day = TODAY - timedelta(days=90 * (sizes.assessments_per_initiative - n))
            stamp = datetime.combine(day, NOW.timetz())
            assessment_id = ids.take("maturity_assessment")
            org.add(
                "maturity_assessment",
                {
                    "id": assessment_id,
                    "organization_id": org.id,
                    "initiative_id": initiative["id"],
                    "assessed_on": day,
                    "assessor_id": org.members["leader"],
                    "summary": _words(rng, 10),
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            )
            for dimension in dimensions:
                org.add(
                    "maturity_score",
                    {
                        "id": ids.take("maturity_score"),
                        "organization_id": org.id,
                        "assessment_id": assessment_id,
                        "dimension": dimension,
                        "score": min(5, base + n // 2 + rng.randint(0, 1)),
                        "target": 4,
                        "note": "",
                    },
                )
        objective_id = ids.take("objective")
        stamp = NOW - timedelta(days=200)
        common = {"organization_id": org.id, "initiative_id": initiative["id"]}
        org.add(
            "objective",
            {
                "id": objective_id,
                **common,
                "title": f"Reduce {_words(rng, 2)}",
                "description": "",
                "value_driver": rng.choice(["revenue", "cost", "risk"]),
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
            },
        )
        kpi_id = ids.take("kpi")
        baseline = Decimal(rng.randint(40, 60))
        org.add(
            "kpi",
            {
                "id": kpi_id,
                **common,
                "objective_id": objective_id,
                "name": f"{_words(rng, 2)} rate",
                "unit": "%",
                "direction": "increase",
                "baseline": baseline,
                "target": baseline + 20,
                "target_on": TODAY + timedelta(days=120),
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
            },
        )
        for m in range(sizes.measurements_per_kpi):
            day = TODAY - timedelta(days=14 * (sizes.measurements_per_kpi - m))
            org.add(
                "kpi_measurement",
                {
                    "id": ids.take("kpi_measurement"),
                    "organization_id": org.id,
                    "kpi_id": kpi_id,
                    "measured_on": day,
                    "value": baseline + m + rng.randint(0, 3),
                    "note": "",
                    "recorded_by_id": org.members["contributor"],
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            )
        for _ in range(sizes.risks_per_initiative):
            org.add(
                "risk",
                {
                    "id": ids.take("risk"),
                    **common,
                    "title": f"Risk of {_words(rng, 3)}",
                    "description": _words(rng, 12),
                    "category": rng.choice(
                        ["model_bias", "data_quality", "hallucination", "compliance", "drift"]
                    ),
                    "likelihood": rng.randint(1, 5),
                    "impact": rng.randint(1, 5),
                    "owner_id": org.members["contributor"],
                    "mitigation": _words(rng, 8),
                    "status": rng.choice(["open", "open", "mitigating", "accepted", "closed"]),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "version": 1,
                },
            )


def _lineage(
    org: Org, sizes: Sizes, ids: Ids, rng: random.Random, initiatives: list[dict[str, Any]]
) -> None:
    shares = sum(share for _kind, _node, share in LAYERS)
    seen_edges: set[tuple[int, int]] = set()
    for initiative in initiatives:
        layers: list[list[int]] = []
        stamp = _stamp(rng, 600)
        for kind, node_type, share in LAYERS:
            count = max(1, sizes.artifacts_per_initiative * share // shares)
            layer = []
            for n in range(count):
                artifact_id = ids.take("lineage_artifact")
                layer.append(artifact_id)
                org.add(
                    "lineage_artifact",
                    {
                        "id": artifact_id,
                        "organization_id": org.id,
                        "initiative_id": initiative["id"],
                        "kind": kind,
                        "node_type": node_type,
                        "namespace": f"bench{initiative['id']}",
                        "name": f"{kind}_{n}",
                        "version_tag": "1",
                        "owner": "data team",
                        "data_classification": "internal",
                        "description": "",
                        "environment": "production" if kind == "deployment" else None,
                        "parent_id": None,
                        "origin": "registered",
                        "created_at": stamp,
                        "updated_at": stamp,
                        "version": 1,
                    },
                )
            layers.append(layer)
        pairs = list(zip(layers, layers[1:], LAYERS[1:], strict=False))
        # Datasets also read a source directly, feature sets also come out of a job.
        pairs += [(layers[0], layers[2], LAYERS[2]), (layers[1], layers[3], LAYERS[3])]
        for index, (upper, lower, (kind, _node, _share)) in enumerate(pairs):
            fan_in = sizes.edges_per_artifact if index < len(layers) - 1 else 1
            for target in lower:
                for source in rng.sample(upper, min(len(upper), fan_in)):
                    if (source, target) in seen_edges:
                        continue
                    seen_edges.add((source, target))
                    org.add(
                        "lineage_edge",
                        {
                            "id": ids.take("lineage_edge"),
                            "organization_id": org.id,
                            "source_id": source,
                            "target_id": target,
                            "kind": EDGE_KIND[kind],
                            "origin": "registered",
                            "created_at": stamp,
                        },
                    )


def _decisions(
    org: Org, sizes: Sizes, ids: Ids, rng: random.Random, initiatives: list[dict[str, Any]]
) -> None:
    """The organization's log: recorded entries, high-impact ones approved by a later entry."""
    prev, seq = GENESIS_HASH, 0
    start = NOW - timedelta(days=3 * 365)
    step = (NOW - start) / max(1, sizes.decisions)
    pending: list[dict[str, Any]] = []  # proposed high-impact entries awaiting approval
    author, approver = org.members["contributor"], org.members["leader"]
    while seq < sizes.decisions:
        created = start + step * seq + timedelta(microseconds=rng.randrange(1000))
        if pending and (rng.random() < 0.5 or seq > sizes.decisions - 2):
            latest = pending.pop(0)
            row = dict(latest)
            row.update(
                change="approval",
                status="accepted",
                revises_id=latest["id"],
                approved_by_id=approver,
                approved_by_name=org.names[approver],
                note=f"Approved by {org.names[approver]}.",
            )
        else:
            high = rng.random() < 0.1
            initiative = rng.choice(initiatives)
            row = {
                "kind": "general",
                "change": "recorded",
                "title": f"Decide on {_words(rng, 4)}",
                "status": "proposed" if high else rng.choice(["accepted", "accepted", "rejected"]),
                "impact": "high" if high else "normal",
                "context": _words(rng, 30),
                "decision_drivers": [_words(rng, 2), _words(rng, 2)],
                "considered_options": ["option A", "option B"],
                "decision": _words(rng, 12),
                "rationale": _words(rng, 20),
                "consequences": _words(rng, 10),
                "confirmation": "",
                "decision_makers": [org.names[author]],
                "consulted": [],
                "informed": [],
                "note": "",
                "initiative_id": initiative["id"],
                "phase_id": None,
                "checkpoint_id": None,
                "supersedes_id": None,
                "revises_id": None,
                "thread_id": None,
                "risk_refs": [],
                "artifact_refs": [],
                "details": {},
                "decided_by_id": author,
                "decided_by_name": org.names[author],
                "approved_by_id": None,
                "approved_by_name": None,
            }
        seq += 1
        row.update(id=ids.take("decision"), seq=seq, prev_hash=prev, organization_id=org.id)
        row["created_at"] = created
        if row["thread_id"] is None:
            row["thread_id"] = row["id"]
        row.pop("hash", None)
        row["hash"] = prev = entry_hash(entry_from_values(row, org.slug))
        org.add("decision", row)
        if row["impact"] == "high" and row["status"] == "proposed":
            pending.append(row)


AUDITED = (
    ("initiative", "name"),
    ("phase", "kind"),
    ("exit_criterion", "title"),
    ("decision", "title"),
    ("lineage_artifact", "name"),
    ("risk", "title"),
)


def _audit(org: Org, sizes: Sizes, ids: Ids, rng: random.Random) -> None:
    """The trail: an insert per record, status changes of met criteria, then edits of due dates."""
    events: list[dict[str, Any]] = []
    actor = org.members["contributor"]

    def event(table: str, record: dict[str, Any], **values: Any) -> None:
        events.append(
            {
                "occurred_at": values.pop("at", None) or record.get("created_at") or NOW,
                "actor_id": actor,
                "organization_id": org.id,
                "record_type": table,
                "record_id": record["id"],
                "action": "insert",
                "field": None,
                "old_value": None,
                "new_value": None,
                **values,
            }
        )

    for table, column in AUDITED:
        for record in org.rows.get(table, []):
            event(table, record, new_value=json.dumps({column: record[column]}))
    criteria = org.rows["exit_criterion"]
    for criterion in criteria:
        if criterion["status"] == "met":
            event(
                "exit_criterion",
                criterion,
                at=criterion["met_at"],
                action="update",
                field="status",
                old_value="open",
                new_value="met",
            )
    rng.shuffle(events)
    del events[sizes.audit_events :]
    while len(events) < sizes.audit_events:
        criterion = rng.choice(criteria)
        event(
            "exit_criterion",
            criterion,
            at=_stamp(rng, 400),
            action="update",
            field="due_on",
            old_value=None,
            new_value=(TODAY + timedelta(days=rng.randint(1, 60))).isoformat(),
        )
    events.sort(key=lambda e: e["occurred_at"])
    for row in events:
        row["id"] = ids.take("audit_event")
        org.add("audit_event", row)


def chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
