"""Rows of a synthetic client organization, as plain dicts ready for bulk inserts.

Every rule the operations enforce holds here too: an initiative's phases before its current one
are complete with every criterion met, the current one is in progress, the later ones have not
started; each organization's decision log is one hash chain computed with
governance.decisions.chain (the code `flask verify-log` runs); lineage edges never cross
organizations nor loop; scores stay within 1-5. Ids are allocated here (`Ids`), so rows can
point at each other before anything is inserted.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from governance.catalog import maturity_dimensions, phase_catalog, stage_gate_catalog
from governance.decisions.chain import entry_from_values
from governance.gates.approvals import snapshot_sha256
from governance.verify import GENESIS_HASH, entry_hash

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
WORDS = [
    "fraud",
    "churn",
    "triage",
    "forecast",
    "routing",
    "pricing",
    "claims",
    "drift",
    "bias",
    "retraining",
    "vendor",
    "telemetry",
    "rollback",
    "lineage",
    "consent",
    "privacy",
    "audit",
    "latency",
    "recall",
    "precision",
    "threshold",
    "sponsor",
    "budget",
    "pilot",
    "scale",
    "production",
    "fairness",
    "monitoring",
    "labelling",
    "features",
]
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
    # initiative id -> its KPI-threshold criterion, completed once the initiative's KPI exists
    thresholds: dict[int, dict[str, Any]] = field(default_factory=dict)

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
    _decisions(org, sizes, ids, rng, initiatives, _checkpoint_entries(org))
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
            _stage_gates(org, ids, initiative, stamp)
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
    in_review = rng.random() < 0.2  # the current phase waits on a pending checkpoint
    step = max(1, (NOW - started).days // (current + 1))
    owner = org.members["contributor"]
    for position, spec in enumerate(catalog, start=1):
        start = started + timedelta(days=step * (position - 1))
        status = "complete" if position < current else "not_started"
        if position == current:
            status = "in_review" if in_review else "in_progress"
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
        criteria = []
        for n, criterion in enumerate(spec["criteria"], start=1):
            met = status in ("complete", "in_review") or (
                status == "in_progress" and rng.random() < 0.4
            )
            due = None
            if status == "in_progress" and not met:
                due = TODAY + timedelta(days=rng.randint(-30, 45))
            row = org.add(
                "exit_criterion",
                {
                    "id": ids.take("exit_criterion"),
                    "organization_id": org.id,
                    "phase_id": phase_id,
                    "stage_gate_id": None,
                    "waived_by_decision_id": None,
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
            criteria.append(row)
        if spec["kind"] == "evaluation":
            # As the demo does: a KPI-threshold criterion at the end of the last phase (its
            # key, title and threshold follow with the KPI, in _maturity).
            threshold = dict(row)
            threshold.update(
                id=ids.take("exit_criterion"),
                position=len(criteria) + 1,
                description="Evaluated from the KPI's measurements.",
                framework_refs=[],
                rule="kpi_threshold",
            )
            org.add("exit_criterion", threshold)
            criteria.append(threshold)
            org.thresholds[initiative["id"]] = threshold
        if status == "complete":
            _checkpoint(org, ids, initiative, criteria, completed, phase_id=phase_id)
        elif status == "in_review":
            requested = NOW - timedelta(days=rng.randint(0, 15), hours=rng.randint(0, 8))
            _checkpoint(org, ids, initiative, criteria, None, phase_id=phase_id, at=requested)


STAGES = ("pilot", "scale", "production")


def _stage_gates(org: Org, ids: Ids, initiative: dict[str, Any], started: datetime) -> None:
    """pilot -> scale -> production, passed up to the initiative's stage (approved checkpoints)."""
    stage = initiative["stage"]
    reached = STAGES.index(stage) if stage in STAGES else 0
    owner = org.members["contributor"]
    for position, spec in enumerate(stage_gate_catalog(), start=1):
        passed = position <= reached
        at = NOW - timedelta(days=90 - 30 * position) if passed else None
        gate_id = ids.take("stage_gate")
        org.add(
            "stage_gate",
            {
                "id": gate_id,
                "organization_id": org.id,
                "initiative_id": initiative["id"],
                "position": position,
                "from_stage": spec["from"],
                "to_stage": spec["to"],
                "status": "passed" if passed else "open",
                "passed_at": at,
                "created_at": started,
                "updated_at": at or started,
                "version": 1,
            },
        )
        criteria = [
            org.add(
                "exit_criterion",
                {
                    "id": ids.take("exit_criterion"),
                    "organization_id": org.id,
                    "phase_id": None,
                    "stage_gate_id": gate_id,
                    "waived_by_decision_id": None,
                    "key": criterion["key"],
                    "position": n,
                    "title": criterion["title"],
                    "description": criterion.get("description", ""),
                    "framework_refs": list(criterion.get("framework_refs") or []),
                    "rule": criterion.get("rule"),
                    "status": "met" if passed else "open",
                    "owner_id": None,
                    "due_on": None,
                    "evidence_url": "",
                    "evidence_text": "Reviewed and accepted." if passed else "",
                    "met_by_id": owner if passed else None,
                    "met_at": at - timedelta(days=2) if at else None,
                    "created_at": started,
                    "updated_at": started,
                    "version": 1,
                },
            )
            for n, criterion in enumerate(spec["criteria"], start=1)
        ]
        if passed:
            _checkpoint(org, ids, initiative, criteria, at, stage_gate_id=gate_id)


def _checkpoint(
    org: Org,
    ids: Ids,
    initiative: dict[str, Any],
    criteria: list[dict[str, Any]],
    decided: datetime | None,
    *,
    phase_id: int | None = None,
    stage_gate_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Approved when `decided` (its decision-log entry is made with the log), else pending."""
    requested = at or (decided - timedelta(days=1) if decided else NOW)
    org.add(
        "checkpoint",
        {
            "id": ids.take("checkpoint"),
            "organization_id": org.id,
            "initiative_id": initiative["id"],
            "kind": "phase" if phase_id else "stage_gate",
            "phase_id": phase_id,
            "stage_gate_id": stage_gate_id,
            "status": "approved" if decided else "pending",
            "requested_by_id": org.members["contributor"],
            "requested_at": requested,
            "request_note": "Every exit criterion is met.",
            "decided_by_id": org.members["pmo"] if decided else None,
            "decided_at": decided,
            "decision_comment": "Approved." if decided else "",
            "decision_id": None,
            "approved_snapshot_sha256": None,
            "reviewed_again_at": None,
            "created_at": requested,
            "updated_at": decided or requested,
            "version": 1,
            "_criteria": criteria,
        },
    )


def _frozen(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The criteria as governance.gates.approvals.snapshot freezes them (evidence-based)."""
    rows = [
        {
            "id": c["id"],
            "key": c["key"],
            "title": c["title"],
            "status": c["status"],
            "evidence_url": c["evidence_url"],
            "evidence_text": c["evidence_text"],
            "met_by_id": c["met_by_id"],
            "met_at": c["met_at"].isoformat() if c["met_at"] else None,
            "waived_by_decision_id": None,
            "rule": c["rule"],
            "evaluated": False,
            "failing_records": [],
        }
        for c in criteria
    ]
    return sorted(rows, key=lambda row: row["id"])


def _checkpoint_entries(org: Org) -> list[dict[str, Any]]:
    """The decision-log entries of the approved checkpoints (chained with the others)."""
    entries = []
    pmo = org.members["pmo"]
    for checkpoint in org.rows.get("checkpoint", []):
        criteria = checkpoint.pop("_criteria")
        if checkpoint["status"] != "approved":
            continue
        frozen = _frozen(criteria)
        digest = snapshot_sha256(frozen)
        checkpoint["approved_snapshot_sha256"] = digest
        subject = f"checkpoint {checkpoint['id']}"
        entry = _entry(org, pmo, checkpoint["initiative_id"])
        entry.update(
            kind="checkpoint_approved",
            title=f"Checkpoint approved: {subject}",
            context=f"A checkpoint was requested for {subject}.",
            decision=f"The checkpoint for {subject} was approved. Approved.",
            rationale="Approved.",
            consequences="",
            phase_id=checkpoint["phase_id"],
            checkpoint_id=checkpoint["id"],
            created_at=checkpoint["decided_at"],
            details={
                "checkpoint_id": checkpoint["id"],
                "checkpoint_kind": checkpoint["kind"],
                "outcome": "approved",
                "subject": subject,
                "requested_by_id": checkpoint["requested_by_id"],
                "requested_at": checkpoint["requested_at"].isoformat(),
                "decided_at": checkpoint["decided_at"].isoformat(),
                "criteria": frozen,
                "criteria_sha256": digest,
            },
            _checkpoint=checkpoint,
        )
        entries.append(entry)
    return entries


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
        criterion = org.thresholds.pop(initiative["id"])
        criterion["key"] = f"kpi-threshold-{kpi_id}"
        criterion["title"] = f"KPI at least {baseline + 5}% in every measurement of 90 days"
        org.add(
            "kpi_threshold",
            {
                "id": ids.take("kpi_threshold"),
                "organization_id": org.id,
                "criterion_id": criterion["id"],
                "kpi_id": kpi_id,
                "comparator": "at_least",
                "threshold": baseline + 5,
                "window_days": 90,
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


def _entry(org: Org, author: int, initiative_id: int) -> dict[str, Any]:
    """Every column of a first entry (the hash covers them all), to be filled in."""
    return {
        "kind": "general",
        "change": "recorded",
        "status": "accepted",
        "impact": "normal",
        "decision_drivers": [],
        "considered_options": [],
        "confirmation": "",
        "decision_makers": [org.names[author]],
        "consulted": [],
        "informed": [],
        "note": "",
        "initiative_id": initiative_id,
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


def _decisions(
    org: Org,
    sizes: Sizes,
    ids: Ids,
    rng: random.Random,
    initiatives: list[dict[str, Any]],
    checkpoint_entries: list[dict[str, Any]],
) -> None:
    """The organization's log, one hash chain in time order: the checkpoints' entries, general
    decisions, and approvals of high-impact ones (a later entry of the same thread)."""
    author, approver = org.members["contributor"], org.members["leader"]
    general = max(0, sizes.decisions - len(checkpoint_entries))
    start = NOW - timedelta(days=3 * 365)
    step = (NOW - start) / max(1, general)
    entries = list(checkpoint_entries)
    n = 0
    while len(entries) < len(checkpoint_entries) + general:
        created = start + step * n + timedelta(microseconds=rng.randrange(1000))
        n += 1
        high = rng.random() < 0.1
        entry = _entry(org, author, rng.choice(initiatives)["id"])
        entry.update(
            title=f"Decide on {_words(rng, 4)}",
            status="proposed" if high else rng.choice(["accepted", "accepted", "rejected"]),
            impact="high" if high else "normal",
            context=_words(rng, 30),
            decision_drivers=[_words(rng, 2), _words(rng, 2)],
            considered_options=["option A", "option B"],
            decision=_words(rng, 12),
            rationale=_words(rng, 20),
            consequences=_words(rng, 10),
            created_at=created,
        )
        entries.append(entry)
        if high and len(entries) < len(checkpoint_entries) + general:
            approval = dict(entry)
            approval.update(
                change="approval",
                status="accepted",
                approved_by_id=approver,
                approved_by_name=org.names[approver],
                note=f"Approved by {org.names[approver]}.",
                created_at=created + step / 2,
                _revises=entry,
            )
            entries.append(approval)
    entries.sort(key=lambda e: e["created_at"])
    prev = GENESIS_HASH
    for seq, row in enumerate(entries, start=1):
        revises = row.pop("_revises", None)
        checkpoint = row.pop("_checkpoint", None)
        row.update(id=ids.take("decision"), seq=seq, prev_hash=prev, organization_id=org.id)
        row["thread_id"] = revises["thread_id"] if revises else row["id"]
        row["revises_id"] = revises["id"] if revises else None
        row["hash"] = prev = entry_hash(entry_from_values(row, org.slug))
        if checkpoint is not None:
            checkpoint["decision_id"] = row["id"]
        org.add("decision", row)


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
    # Every open criterion with an owner was given that owner lately: the initiative page
    # shows those changes with the person's name (kept whatever the sample drops).
    owned = [c for c in criteria if c["owner_id"] and c["status"] == "open"]
    del events[max(0, sizes.audit_events - len(owned)) :]
    while len(events) < sizes.audit_events - len(owned):
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
    for criterion in owned[: sizes.audit_events]:
        event(
            "exit_criterion",
            criterion,
            at=NOW - timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 86399)),
            action="update",
            field="owner_id",
            old_value=None,
            new_value=str(criterion["owner_id"]),
        )
    events.sort(key=lambda e: e["occurred_at"])
    for row in events:
        row["id"] = ids.take("audit_event")
        org.add("audit_event", row)


def chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
