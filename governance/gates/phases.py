"""Phase rules: when an exit criterion counts as met, what a gate's criteria looked like (the
snapshot an approval freezes), waivers, and the stage gates every initiative goes through.

An exit criterion counts as met when it was met with evidence, waived through a recorded
decision, or, for a criterion that names a registered rule, when that rule passes on the
tracked data right now.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from governance.catalog import stage_gate_catalog
from governance.enums import PHASE_TITLES, CriterionStatus, Stage
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase, StageGate
from governance.gates.rules import (
    RuleResult,
    evaluate,
    evaluate_criteria,
    evaluates_per_criterion,
    load_rules,
)
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative

STAGE_ORDER = [Stage.PILOT, Stage.SCALE, Stage.PRODUCTION]


@dataclass
class CriterionState:
    """An exit criterion as it stands now: stored status, or its rule's live result."""

    criterion: ExitCriterion
    status: CriterionStatus
    result: RuleResult | None = None  # set for evaluated criteria
    evaluated: bool = False  # False for a rule this installation does not know (evidence counts)

    @property
    def is_open(self) -> bool:
        return self.status == CriterionStatus.OPEN


def is_evaluated(criterion: ExitCriterion) -> bool:
    """Does a registered rule decide this criterion (rather than evidence)?"""
    return bool(criterion.rule) and criterion.rule in load_rules()


@dataclass
class RuleResults:
    """Rule results already known for one initiative, now: a page that assesses the same
    criteria several times (its gates, then each approval against the facts it relied on)
    evaluates each rule once."""

    by_rule: dict[str, RuleResult] = field(default_factory=dict)
    by_criterion: dict[int, RuleResult] = field(default_factory=dict)


def assess(
    criteria: list[ExitCriterion],
    initiative: Initiative,
    only_rules_for: set[int] | None = None,
    known: RuleResults | None = None,
) -> list[CriterionState]:
    """Every criterion's current state; each rule is evaluated once for the initiative.

    `only_rules_for` restricts rule evaluation to those criterion ids (the others count by their
    evidence), so an approval is compared with the facts it relied on. `known` carries results
    between calls for the same initiative within one request.
    """
    known = known if known is not None else RuleResults()
    waived = [c for c in criteria if c.status == CriterionStatus.WAIVED]
    ruled = [
        c
        for c in criteria
        if c.status != CriterionStatus.WAIVED
        and is_evaluated(c)
        and (only_rules_for is None or c.id in only_rules_for)
    ]
    # Parameterised criteria (KPI thresholds) in one batch per rule: a fixed number of queries.
    known.by_criterion.update(
        evaluate_criteria(
            [
                c
                for c in ruled
                if c.rule and evaluates_per_criterion(c.rule) and c.id not in known.by_criterion
            ]
        )
    )
    ruled_ids = {c.id for c in ruled}
    waived_ids = {c.id for c in waived}
    states = []
    for c in criteria:
        if c.id in waived_ids:
            states.append(CriterionState(c, CriterionStatus.WAIVED))
            continue
        if c.id in ruled_ids and c.rule:
            if c.id in known.by_criterion:
                result = known.by_criterion[c.id]
            else:
                if c.rule not in known.by_rule:
                    known.by_rule[c.rule] = evaluate(c.rule, initiative)
                result = known.by_rule[c.rule]
            status = CriterionStatus.MET if result.passed else CriterionStatus.OPEN
            states.append(CriterionState(c, status, result, evaluated=True))
        else:
            states.append(CriterionState(c, c.status))
    return states


def open_criteria_message(states: list[CriterionState]) -> str | None:
    """'2 exit criteria are still open: A; B', or None when every criterion is met or waived."""
    still_open = [s.criterion.title for s in states if s.is_open]
    if not still_open:
        return None
    count = len(still_open)
    verb = "exit criterion is" if count == 1 else "exit criteria are"
    return f"{count} {verb} still open: {'; '.join(still_open)}"


# ---- the snapshot an approval freezes ------------------------------------------------------


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


# ---- stage gates -------------------------------------------------------------------------


def create_stage_gates(initiative: Initiative) -> list[StageGate]:
    """The initiative's stage gates with their seed exit criteria (once per initiative)."""
    existing = list(
        db.session.scalars(db.select(StageGate).where(StageGate.initiative_id == initiative.id))
    )
    if existing:
        return sorted(existing, key=lambda g: g.position)
    gates = []
    for position, spec in enumerate(stage_gate_catalog(), start=1):
        gate = StageGate(
            organization_id=initiative.organization_id,
            initiative_id=initiative.id,
            position=position,
            from_stage=Stage(spec["from"]),
            to_stage=Stage(spec["to"]),
        )
        for index, criterion in enumerate(spec["criteria"], start=1):
            gate.criteria.append(
                ExitCriterion(
                    organization_id=initiative.organization_id,
                    key=criterion["key"],
                    position=index,
                    title=criterion["title"],
                    description=criterion.get("description", ""),
                    framework_refs=list(criterion.get("framework_refs") or []),
                    rule=criterion.get("rule"),
                )
            )
        db.session.add(gate)
        gates.append(gate)
    db.session.flush()
    return gates


def stage_gates_of(initiative: Initiative) -> list[StageGate]:
    return list(
        db.session.scalars(
            db.select(StageGate)
            .where(StageGate.initiative_id == initiative.id)
            .order_by(StageGate.position)
        )
    )


def subject_of(phase: Phase | None, gate: StageGate | None, initiative: Initiative) -> str:
    """'the Governance phase of Parcel fraud scoring', in the users' words."""
    if phase is not None:
        return f"the {PHASE_TITLES[phase.kind]} phase of {initiative.name}"
    assert gate is not None
    return f"the promotion of {initiative.name} from {gate.from_stage} to {gate.to_stage}"


# ---- waivers -----------------------------------------------------------------------------


def waive(
    criterion: ExitCriterion,
    by: User,
    *,
    reason: str,
    accepted_risk: str,
    expected_version: int | None = None,
) -> ExitCriterion:
    """Waive an exit criterion by recording a decision (reason, who, accepted risk)."""
    from governance.gates.checkpoints import log_decision

    check_version(criterion, expected_version, ["status", "evidence_url", "evidence_text"])
    require(
        by,
        Action.DECIDE,
        criterion,
        "Only a leader, PMO or admin of this organization can waive a criterion.",
    )
    if criterion.is_closed:
        raise DomainError("This gate is already passed: its exit criteria can no longer change.")
    if criterion.status == CriterionStatus.WAIVED:
        raise DomainError("This criterion is already waived.")
    if criterion.status == CriterionStatus.MET and not is_evaluated(criterion):
        raise DomainError("This criterion is already met with evidence: there is nothing to waive.")
    reason, accepted_risk = reason.strip(), accepted_risk.strip()
    if not reason:
        raise DomainError("Say why the criterion can be waived.", field="reason")
    if not accepted_risk:
        raise DomainError("Say which risk the organization accepts by waiving it.", field="risk")
    initiative = db.session.get(Initiative, criterion.initiative_id)
    assert initiative is not None
    subject = subject_of(criterion.phase, criterion.stage_gate, initiative)
    decision = log_decision(
        initiative,
        by,
        kind="waiver",
        title=f"Waive “{criterion.title}”"[:200],
        context=f"Exit criterion “{criterion.title}” of {subject} is not met.",
        decision=f"Waive the exit criterion “{criterion.title}”: it no longer gates {subject}.",
        rationale=reason,
        consequences=f"Accepted risk: {accepted_risk}",
        phase=criterion.phase,
        details={
            "criterion_id": criterion.id,
            "criterion_key": criterion.key,
            "criterion_title": criterion.title,
            "subject": subject,
            "reason": reason,
            "accepted_risk": accepted_risk,
        },
    )
    criterion.status = CriterionStatus.WAIVED
    criterion.waived_by_decision_id = decision.id
    db.session.flush()
    return criterion
