"""Approvals frozen to what they approved: the snapshot of the criteria an approval relied on,
its hash, and whether the facts still match it (read only; `checkpoints` writes them)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.enums import CheckpointStatus, RiskTier
from governance.extensions import db
from governance.gates.assessment import CriterionState, RuleResults, assess
from governance.gates.models import Checkpoint


def approvers_needed(checkpoint: Checkpoint) -> int:
    """How many people (never its requester) approve a checkpoint: two for a high-risk
    initiative when its organization asks for it (the default), one otherwise."""
    high_risk = checkpoint.initiative.risk_tier == RiskTier.HIGH
    return 2 if high_risk and checkpoint.organization.two_approvers_for_high_risk else 1


def snapshot(states: list[CriterionState]) -> list[dict[str, Any]]:
    """Every criterion with its status and evidence, as plain JSON (no floats: it is hashed)."""
    rows = []
    for s in states:
        c = s.criterion
        rows.append(
            {
                "id": c.id,
                "key": c.key,
                "title": c.title,
                "status": s.status.value,
                "evidence_url": c.evidence_url,
                "evidence_text": c.evidence_text,
                "met_by_id": c.met_by_id,
                "met_at": c.met_at.isoformat() if c.met_at else None,
                "waived_by_decision_id": c.waived_by_decision_id,
                "rule": c.rule,
                "evaluated": s.evaluated,
                "failing_records": sorted(
                    f"{f.record}: {f.reason}" for f in (s.result.failures if s.result else [])
                )
                if s.evaluated
                else [],
            }
        )
    return sorted(rows, key=lambda row: row["id"])


def snapshot_sha256(rows: list[dict[str, Any]]) -> str:
    canonical = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def changes_between(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """What changed since a snapshot, one sentence per change."""
    old = {row["id"]: row for row in before}
    new = {row["id"]: row for row in after}
    changes = []
    for cid, row in new.items():
        was = old.get(cid)
        title = f"“{row['title']}”"
        if was is None:
            changes.append(f"{title} was added.")
            continue
        if was["status"] != row["status"]:
            changes.append(f"{title} was {was['status']}, is now {row['status']}.")
        if (was["evidence_url"], was["evidence_text"]) != (
            row["evidence_url"],
            row["evidence_text"],
        ):
            changes.append(f"{title}: the evidence changed.")
        if was["failing_records"] != row["failing_records"]:
            failing = "; ".join(row["failing_records"]) or "none"
            changes.append(f"{title}: failing records now: {failing}.")
        other = ("title", "met_by_id", "met_at", "waived_by_decision_id", "rule")
        if any(was.get(k) != row.get(k) for k in other) and was["status"] == row["status"]:
            changes.append(f"{title}: who met it, when, or how it is evaluated changed.")
    changes.extend(f"“{row['title']}” was removed." for cid, row in old.items() if cid not in new)
    return changes or ["The recorded facts differ from what was approved."]


@dataclass
class ApprovalState:
    checkpoint: Checkpoint
    stale: bool
    changes: list[str]


def approval_state(
    checkpoint: Checkpoint,
    approved: list[dict[str, Any]] | None,
    known: RuleResults | None = None,
) -> ApprovalState:
    """Compare an approval with the facts now. `approved` is the snapshot in its decision;
    `known`, rule results the caller already has for this initiative now."""
    if checkpoint.status != CheckpointStatus.APPROVED or not checkpoint.approved_snapshot_sha256:
        return ApprovalState(checkpoint, False, [])
    evaluated = {row["id"] for row in approved or [] if row.get("evaluated")}
    now = snapshot(
        assess(checkpoint.criteria, checkpoint.initiative, only_rules_for=evaluated, known=known)
    )
    if snapshot_sha256(now) == checkpoint.approved_snapshot_sha256:
        return ApprovalState(checkpoint, False, [])
    return ApprovalState(checkpoint, True, changes_between(approved or [], now))


def approving_decision(checkpoint: Checkpoint) -> Decision | None:
    """The log entry of the checkpoint's latest approval (or re-review), if any."""
    if checkpoint.decision_id is None:
        return None
    return db.session.get(Decision, checkpoint.decision_id)


def _frozen(entry: Any) -> list[dict[str, Any]] | None:
    details = getattr(entry, "details", None) or {}
    criteria = details.get("criteria")
    return criteria if isinstance(criteria, list) else None


def approved_snapshot(checkpoint: Checkpoint) -> list[dict[str, Any]] | None:
    """The criteria as the checkpoint's latest approval (or re-review) froze them."""
    return _frozen(approving_decision(checkpoint))


def approved_snapshots(checkpoints: list[Checkpoint]) -> dict[int, list[dict[str, Any]] | None]:
    """checkpoint id -> its frozen criteria, in one query."""
    ids = [c.decision_id for c in checkpoints if c.decision_id is not None]
    if not ids:
        return {}
    entries = {d.id: d for d in db.session.scalars(sa.select(Decision).where(Decision.id.in_(ids)))}
    return {c.id: _frozen(entries.get(c.decision_id)) for c in checkpoints if c.decision_id}
