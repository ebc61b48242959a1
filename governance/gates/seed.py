"""Demo checkpoints, through the app's own operations with back-dated times.

`complete_phase` and `promote` build every initiative's history (called from seed.py);
`load_checkpoints` adds the scenarios of seed_data/checkpoints.yaml: pending, rejected and
changes-requested checkpoints, a waiver and a stale approval.

Everything is added to the demo's `Story` (governance/catalog.py) at its story moment and by
its story person; the story replays it in time order with the demo's own decisions, so every
organization's chain is in time order and each entry carries the date and reviewer it tells.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa

from governance.audit import acting_as
from governance.catalog import Story, load
from governance.enums import PHASE_TITLES, CriterionStatus, PhaseKind, Role, Stage
from governance.extensions import db
from governance.gates import checkpoints as ops
from governance.gates import criteria as criteria_ops
from governance.gates.assessment import assess, is_evaluated
from governance.gates.models import Checkpoint, ExitCriterion, Phase, StageGate
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


def approve(checkpoint: Checkpoint, reviewer: User, comment: str) -> None:
    """Approve a demo checkpoint; one needing two approvers gets a second reviewer's too, at
    the same moment of the story."""
    ops.decide(checkpoint, reviewer, "approved", comment)
    if checkpoint.is_pending:
        second = reviewer_for(checkpoint.organization_id, checkpoint.requested_by, reviewer)
        with acting_as(second.id):
            ops.decide(checkpoint, second, "approved", comment)
            db.session.flush()  # audit events are written at flush: credited to the second


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
                reviewer = reviewer_for(initiative.organization_id, by)
                with acting_as(reviewer.id):  # the waiver is the reviewer's, at this moment
                    criteria_ops.waive(
                        criterion,
                        reviewer,
                        reason=PRE_TRACKER,
                        accepted_risk="None beyond what the reviewer accepted at the time.",
                    )
            continue
        criteria_ops.mark_met(criterion, by, evidence_text=evidence)
        criterion.met_at = at
    db.session.flush()


def _review(
    story: Story,
    subject: Phase | StageGate,
    requester: User,
    note: str,
    comment: str,
    end: datetime,
    start: datetime | None = None,
) -> None:
    """The story of one approved checkpoint: criteria met two days before `end`, the review
    requested the day before, approved at `end` by the organization's reviewer."""
    initiative = subject.initiative
    reviewer = reviewer_for(initiative.organization_id, requester)
    asked: dict[str, Checkpoint] = {}

    def prepare() -> None:
        if start is not None and isinstance(subject, Phase):
            subject.started_at = start
        satisfy(subject.criteria, initiative, requester, HISTORY_EVIDENCE, end - timedelta(days=2))

    def request() -> None:
        if isinstance(subject, Phase):
            asked["checkpoint"] = ops.request_phase_checkpoint(subject, requester, note)
        else:
            asked["checkpoint"] = ops.request_stage_gate_checkpoint(subject, requester, note)

    story.at(end - timedelta(days=2), requester.id, prepare)
    story.at(end - timedelta(days=1), requester.id, request)
    story.at(end, reviewer.id, lambda: approve(asked["checkpoint"], reviewer, comment))


def complete_phase(
    story: Story, phase: Phase, requester: User, start: datetime, end: datetime
) -> None:
    """A phase of the demo history: criteria met, checkpoint requested, approved at `end`."""
    title = PHASE_TITLES[phase.kind]
    note = f"{title} phase done: every exit criterion is met."
    _review(story, phase, requester, note, f"{title} phase approved.", end, start)


def promote(
    story: Story, initiative: Initiative, target: Stage, requester: User, dates: list[datetime]
) -> None:
    """Promote a demo initiative through its stage gates up to `target`, one gate per date."""
    if target not in STAGE_ORDER:
        return
    for gate, at in zip(stage_gates_of(initiative), dates, strict=False):
        if STAGE_ORDER.index(gate.to_stage) > STAGE_ORDER.index(target):
            break
        note = f"Ready to promote from {gate.from_stage} to {gate.to_stage}."
        _review(story, gate, requester, note, "Promotion approved.", at)


# ---- scenarios ----------------------------------------------------------------------------


History = Callable[[Story, Initiative, dict[str, Any], dict[str, User]], None]


def load_checkpoints(story: Story, demo: dict[str, Any], history: History) -> dict[str, int]:
    """Every demo initiative's history (`history`, from seed.py), then the scenarios of
    seed_data/checkpoints.yaml, added to the story (`story.tell` replays them in time order)."""
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    for org_spec in demo["organizations"]:
        for program_spec in org_spec.get("programs", []):
            for spec in program_spec.get("initiatives", []):
                history(story, _initiative({"org": org_spec["slug"], **spec}), spec, users)
    data: dict[str, Any] = load("checkpoints.yaml")
    for spec in data.get("checkpoints", []):
        _scenario(story, spec, users)
    for spec in data.get("waivers", []):
        criterion = _criterion(_initiative(spec), spec["key"])
        story.at(
            _story_moment(spec),
            users[spec["by"]].id,
            partial(
                criteria_ops.waive,
                criterion,
                users[spec["by"]],
                reason=spec["reason"],
                accepted_risk=spec["accepted_risk"],
            ),
        )
    for spec in data.get("stale", []):
        phase = next(
            p for p in _initiative(spec).phases if p.kind == PhaseKind(spec["remove_phase_owner"])
        )
        story.at(
            _story_moment(spec), users[spec["by"]].id, partial(setattr, phase, "owner_id", None)
        )
    return {"checkpoint scenarios": len(data.get("checkpoints", []))}


def _story_moment(spec: dict[str, Any]) -> datetime:
    """A scenario's moment: a date of the story (`date`), or days before the load (`days_ago`)."""
    if "date" in spec:
        return datetime.combine(spec["date"], time(11, 0), tzinfo=UTC)
    return _now() - timedelta(days=int(spec["days_ago"]))


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


def _scenario(story: Story, spec: dict[str, Any], users: dict[str, User]) -> None:
    initiative = _initiative(spec)
    requester = users[spec["requested_by"]]
    if "working_days_ago" in spec:
        requested = working_days_ago(int(spec["working_days_ago"]))
    else:
        requested = _now() - timedelta(days=int(spec["days_ago"]))
    target: Phase | StageGate
    if "phase" in spec:
        target = next(p for p in initiative.phases if p.kind == PhaseKind(spec["phase"]))
    else:
        target = next(g for g in stage_gates_of(initiative) if g.from_stage == spec["stage_gate"])
    asked: dict[str, Checkpoint] = {}

    def prepare() -> None:
        if isinstance(target, Phase):
            # Reload: criteria added since (a KPI threshold's) are not in a loaded collection,
            # and PostgreSQL's locked re-read in the request would find them still open.
            db.session.expire(target, ["criteria"])
        at = requested - timedelta(hours=2)
        satisfy(target.criteria, initiative, requester, spec["evidence"], at)

    def request() -> None:
        if isinstance(target, Phase):
            asked["it"] = ops.request_phase_checkpoint(target, requester, spec["note"])
        else:
            asked["it"] = ops.request_stage_gate_checkpoint(target, requester, spec["note"])

    story.at(requested - timedelta(hours=2), requester.id, prepare)
    story.at(requested, requester.id, request)
    if spec.get("outcome"):
        decided = _now() - timedelta(days=int(spec["decided_days_ago"]))
        decider = users[spec["decided_by"]]

        def decide() -> None:
            if spec["outcome"] == "approved":
                approve(asked["it"], decider, spec["comment"])
            else:
                ops.decide(asked["it"], decider, spec["outcome"], spec["comment"])

        def reopen() -> None:
            for key in spec.get("reopen_after", []):
                criteria_ops.reopen(_criterion(initiative, key), requester)

        story.at(decided, decider.id, decide)
        story.at(decided + timedelta(hours=1), requester.id, reopen)
    if reopened := spec.get("reopened_after_request"):

        def reopen_after_request() -> None:
            criterion = _criterion(initiative, reopened["key"])
            criteria_ops.reopen(criterion, requester)
            criterion.evidence_text = f"{criterion.evidence_text}\n\nReopened: {reopened['why']}"

        story.at(requested + timedelta(hours=1), requester.id, reopen_after_request)
