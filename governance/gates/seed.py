"""Demo checkpoints, through the app's own operations with back-dated times.

`complete_phase` and `promote` build every initiative's history (called from seed.py);
`load_checkpoints` adds the scenarios of seed_data/checkpoints.yaml: pending, rejected and
changes-requested checkpoints, a waiver and a stale approval.

Checkpoints carry their historical times (requested_at, decided_at, phase dates); their
decision-log entries are appended when the demo is loaded, after the demo's own decisions,
so every organization's chain stays in time order (the entry's details keep `decided_at`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from governance.catalog import load
from governance.enums import PHASE_TITLES, CriterionStatus, PhaseKind, Role, Stage
from governance.extensions import db
from governance.gates import checkpoints as ops
from governance.gates import criteria as criteria_ops
from governance.gates.assessment import assess, is_evaluated
from governance.gates.models import Checkpoint, ExitCriterion, Phase
from governance.gates.phases import STAGE_ORDER
from governance.gates.queries import stage_gates_of
from governance.people.models import Membership, User
from governance.portfolio.models import Initiative, Organization

HISTORY_EVIDENCE = "Reviewed and accepted when the phase was completed."


PRE_TRACKER = (
    "The evidence predates the tracker: it was reviewed on paper when this gate was passed."
)


def _now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def working_days_ago(days: int) -> datetime:
    moment = datetime.combine(_now().date(), time(9, 30), tzinfo=UTC)
    while days > 0:
        moment -= timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def reviewer_for(org_id: int, requester: User, *others: User) -> User:
    """Someone other than the requester (and `others`) who may decide: the PMO first, then a
    leader, then an admin."""
    rows = list(
        db.session.execute(
            sa.select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organization_id == org_id,
                Membership.role.in_([Role.PMO.value, Role.LEADER.value]),
                User.id.not_in([requester.id, *(u.id for u in others)]),
            )
            .order_by(User.id)
        )
    )
    rows.sort(key=lambda row: row[1] != Role.PMO)
    if rows:
        return rows[0][0]
    admin = db.session.scalar(
        sa.select(User)
        .where(User.is_admin, User.id.not_in([requester.id, *(u.id for u in others)]))
        .order_by(User.id)
    )
    assert admin is not None
    return admin


def approve(checkpoint: Checkpoint, reviewer: User, comment: str, at: datetime) -> None:
    """Approve a demo checkpoint; one needing two approvers gets a second reviewer's too."""
    ops.decide(checkpoint, reviewer, "approved", comment, at=at)
    if checkpoint.is_pending:
        second = reviewer_for(checkpoint.organization_id, checkpoint.requested_by, reviewer)
        ops.decide(checkpoint, second, "approved", comment, at=at)


def satisfy(
    criteria: list[ExitCriterion], initiative: Initiative, by: User, evidence: str, at: datetime
) -> None:
    """Meet every open evidence-based criterion; waive an evaluated one that fails (demo only)."""
    states = {s.criterion.id: s for s in assess(criteria, initiative)}
    for criterion in criteria:
        if criterion.status != CriterionStatus.OPEN:
            continue
        if is_evaluated(criterion):
            if states[criterion.id].is_open:
                criteria_ops.waive(
                    criterion,
                    reviewer_for(initiative.organization_id, by),
                    reason=PRE_TRACKER,
                    accepted_risk="None beyond what the reviewer accepted at the time.",
                )
            continue
        criteria_ops.mark_met(criterion, by, evidence_text=evidence)
        criterion.met_at = at
    db.session.flush()


def complete_phase(phase: Phase, requester: User, start: datetime, end: datetime) -> None:
    """A phase of the demo history: criteria met, checkpoint requested, approved at `end`."""
    initiative = phase.initiative
    phase.started_at = start
    reviewer = reviewer_for(initiative.organization_id, requester)
    satisfy(phase.criteria, initiative, requester, HISTORY_EVIDENCE, end - timedelta(days=2))
    title = PHASE_TITLES[phase.kind]
    checkpoint = ops.request_phase_checkpoint(
        phase, requester, f"{title} phase done: every exit criterion is met.", at=end - timedelta(1)
    )
    approve(checkpoint, reviewer, f"{title} phase approved.", end)


def promote(initiative: Initiative, target: Stage, requester: User, dates: list[datetime]) -> None:
    """Promote a demo initiative through its stage gates up to `target`, one gate per date."""
    if target not in STAGE_ORDER:
        return
    reviewer = reviewer_for(initiative.organization_id, requester)
    for gate, at in zip(stage_gates_of(initiative), dates, strict=False):
        if STAGE_ORDER.index(gate.to_stage) > STAGE_ORDER.index(target):
            break
        satisfy(gate.criteria, initiative, requester, HISTORY_EVIDENCE, at - timedelta(days=2))
        note = f"Ready to promote from {gate.from_stage} to {gate.to_stage}."
        checkpoint = ops.request_stage_gate_checkpoint(gate, requester, note, at=at - timedelta(1))
        approve(checkpoint, reviewer, "Promotion approved.", at)


# ---- scenarios ----------------------------------------------------------------------------


History = Callable[[Initiative, dict[str, Any], dict[str, User]], None]


def load_checkpoints(demo: dict[str, Any], history: History) -> dict[str, int]:
    """Every demo initiative's history (`history`, from seed.py), then the scenarios of
    seed_data/checkpoints.yaml. Flushes, never commits."""
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    for org_spec in demo["organizations"]:
        for program_spec in org_spec.get("programs", []):
            for spec in program_spec.get("initiatives", []):
                history(_initiative({"org": org_spec["slug"], **spec}), spec, users)
    data: dict[str, Any] = load("checkpoints.yaml")
    for spec in data.get("checkpoints", []):
        _scenario(spec, users)
    for spec in data.get("waivers", []):
        initiative = _initiative(spec)
        criterion = _criterion(initiative, spec["key"])
        criteria_ops.waive(
            criterion, users[spec["by"]], reason=spec["reason"], accepted_risk=spec["accepted_risk"]
        )
    for spec in data.get("stale", []):
        initiative = _initiative(spec)
        kind = PhaseKind(spec["remove_phase_owner"])
        next(p for p in initiative.phases if p.kind == kind).owner_id = None
    db.session.flush()
    return {"checkpoint scenarios": len(data.get("checkpoints", []))}


def _initiative(spec: dict[str, Any]) -> Initiative:
    name = spec.get("initiative") or spec["name"]
    initiative = db.session.scalar(
        sa.select(Initiative)
        .join(Organization, Organization.id == Initiative.organization_id)
        .where(Organization.slug == spec["org"], Initiative.name == name)
    )
    assert initiative is not None, spec
    return initiative


def _criterion(initiative: Initiative, key: str) -> ExitCriterion:
    criteria = [c for p in initiative.phases for c in p.criteria]
    criteria += [c for g in stage_gates_of(initiative) for c in g.criteria]
    return next(c for c in criteria if c.key == key)


def _scenario(spec: dict[str, Any], users: dict[str, User]) -> None:
    initiative = _initiative(spec)
    requester = users[spec["requested_by"]]
    if "working_days_ago" in spec:
        requested = working_days_ago(int(spec["working_days_ago"]))
    else:
        requested = _now() - timedelta(days=int(spec["days_ago"]))
    if "phase" in spec:
        target = next(p for p in initiative.phases if p.kind == PhaseKind(spec["phase"]))
        # Reload: criteria added since (a KPI threshold's) are not in a loaded collection, and
        # PostgreSQL's locked re-read in the request would find them still open.
        db.session.expire(target, ["criteria"])
        criteria = target.criteria
    else:
        target = next(g for g in stage_gates_of(initiative) if g.from_stage == spec["stage_gate"])
        criteria = target.criteria
    satisfy(criteria, initiative, requester, spec["evidence"], requested - timedelta(hours=2))
    if isinstance(target, Phase):
        checkpoint = ops.request_phase_checkpoint(target, requester, spec["note"], at=requested)
    else:
        checkpoint = ops.request_stage_gate_checkpoint(
            target, requester, spec["note"], at=requested
        )
    if spec.get("outcome"):
        decided = _now() - timedelta(days=int(spec["decided_days_ago"]))
        if spec["outcome"] == "approved":
            approve(checkpoint, users[spec["decided_by"]], spec["comment"], decided)
        else:
            ops.decide(
                checkpoint, users[spec["decided_by"]], spec["outcome"], spec["comment"], at=decided
            )
        for key in spec.get("reopen_after", []):
            criteria_ops.reopen(_criterion(initiative, key), requester)
    if reopened := spec.get("reopened_after_request"):
        criterion = _criterion(initiative, reopened["key"])
        criteria_ops.reopen(criterion, requester)
        criterion.evidence_text = f"{criterion.evidence_text}\n\nReopened: {reopened['why']}"
    db.session.flush()
