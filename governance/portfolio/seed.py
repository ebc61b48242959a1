"""Loads the demo installation from seed_data/demo.yaml through the app's own operations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from governance.audit import acting_as
from governance.catalog import load
from governance.decisions.seed import load_decisions
from governance.enums import (
    CostModel,
    EngagementModel,
    LeadershipRole,
    PhaseKind,
    RiskTier,
    Role,
    Stage,
)
from governance.extensions import db
from governance.gates import criteria as criteria_ops
from governance.gates import seed as gates_seed
from governance.lineage.seed import load_lineage
from governance.maturity.seed import load_maturity
from governance.people import operations as people
from governance.people.models import User
from governance.portfolio import operations as ops
from governance.portfolio.models import Initiative, Organization

DEMO_PASSWORD = "demo-password"  # noqa: S105 — documented in the README, demo data only


def database_is_empty() -> bool:
    return db.session.scalar(db.select(User.id).limit(1)) is None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC)


def load_demo() -> dict[str, int]:
    """Create the demo users, organizations, programs and initiatives. Flushes, never commits."""
    data: dict[str, Any] = load("demo.yaml")
    users: dict[str, User] = {}
    for spec in data["users"]:
        users[spec["email"]] = people.create_user(
            spec["email"], spec["name"], DEMO_PASSWORD, is_admin=bool(spec.get("admin"))
        )
    admin = next(u for u in users.values() if u.is_admin)
    counts = {"organizations": 0, "initiatives": 0, "users": len(users)}
    # Each area loads its own demo records through its own operations. The checkpoint history
    # comes last: its evaluated criteria read the assessments, lineage and decisions.
    with acting_as(admin.id):
        for org_spec in data["organizations"]:
            _load_organization(org_spec, users)
            counts["organizations"] += 1
            counts["initiatives"] += sum(
                len(p.get("initiatives", [])) for p in org_spec.get("programs", [])
            )
        counts.update(load_maturity())
        counts["lineage_artifacts"] = load_lineage()
    counts["decisions"] = load_decisions()
    with acting_as(admin.id):
        counts.update(gates_seed.load_checkpoints(data, _complete_earlier_phases))
    return counts


def _load_organization(spec: dict[str, Any], users: dict[str, User]) -> Organization:
    org = ops.create_organization(
        spec["slug"], spec["name"], spec.get("description", ""), spec.get("review_target_days", 5)
    )
    for member in spec.get("members", []):
        people.set_membership(users[member["email"]], org, Role(member["role"]))
    if engagement := spec.get("engagement"):
        ops.create_engagement(
            org,
            users[engagement["leader"]],
            leadership_role=LeadershipRole(engagement["leadership_role"]),
            model=EngagementModel(engagement["model"]),
            hours_per_week=int(engagement["hours_per_week"]),
            starts_on=engagement["starts_on"],
            ends_on=engagement.get("ends_on"),
            cost_model=CostModel(engagement["cost_model"]),
        )
    for program_spec in spec.get("programs", []):
        owner = users.get(program_spec.get("owner", ""))
        program = ops.create_program(
            org,
            program_spec["name"],
            program_spec.get("description", ""),
            owner.id if owner else None,
        )
        for initiative_spec in program_spec.get("initiatives", []):
            _load_initiative(program, initiative_spec, users)
    return org


def _load_initiative(program: Any, spec: dict[str, Any], users: dict[str, User]) -> Initiative:
    owner = users.get(spec.get("owner", ""))
    stage = Stage(spec.get("stage", "pilot"))  # above pilot: through approved stage gates later
    started_on: date = spec.get("started_on") or date.today() - timedelta(days=30)
    initiative = ops.create_initiative(
        program,
        spec["name"],
        description=spec.get("description", ""),
        risk_tier=RiskTier(spec.get("risk_tier", "medium")),
        owner_id=owner.id if owner else None,
        sponsor=spec.get("sponsor", ""),
        stage=Stage.RETIRED if stage == Stage.RETIRED else Stage.PILOT,
        started_at=_at(started_on),
    )
    for kind, email in (spec.get("phase_owners") or {}).items():
        phase = next(p for p in initiative.phases if p.kind == PhaseKind(kind))
        phase.owner_id = users[email].id
    by_key = {c.key: c for p in initiative.phases for c in p.criteria}
    for met in spec.get("criteria_met", []):
        criterion = by_key[met["key"]]
        criteria_ops.mark_met(
            criterion,
            users[met["by"]],
            evidence_url=met.get("evidence_url", ""),
            evidence_text=met.get("evidence_text", ""),
        )
        if met.get("met_on"):
            criterion.met_at = _at(met["met_on"])
    for key, due in (spec.get("criteria_due") or {}).items():
        by_key[key].due_on = due
        by_key[key].owner_id = by_key[key].owner_id or (owner.id if owner else None)
    db.session.flush()
    return initiative


def _complete_earlier_phases(
    initiative: Initiative, spec: dict[str, Any], users: dict[str, User]
) -> None:
    """Demo history: phases before the current one went through approved checkpoints at a
    steady pace since the start, and stages above pilot through approved stage gates, all
    back-dated, like any phase in the product."""
    owner = users.get(spec.get("owner", "")) or users["admin@example.com"]
    started_on: date = spec.get("started_on") or date.today() - timedelta(days=30)
    current = PhaseKind(spec.get("current_phase", "objectives"))
    earlier = [p for p in initiative.phases if p.position < current.position]
    elapsed = max((date.today() - started_on).days, 7 * (len(earlier) + 1))
    step = elapsed // (len(earlier) + 1)
    for index, phase in enumerate(earlier):
        start = _at(started_on + timedelta(days=step * index))
        gates_seed.complete_phase(phase, owner, start, start + timedelta(days=step - 1))
    promotions = [_at(date.today() - timedelta(days=days)) for days in (60, 25)]
    gates_seed.promote(initiative, Stage(spec.get("stage", "pilot")), owner, promotions)
    db.session.flush()
