"""Loads the demo installation from seed_data/demo.yaml through the app's own operations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from governance.audit import acting_as
from governance.catalog import Story, earliest_date, load
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
from governance.incidents.seed import load_incidents
from governance.lineage.seed import load_lineage
from governance.maturity.seed import load_maturity
from governance.monitoring.seed import load_monitoring
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
    """Create the demo installation as its story tells it: each record by its person at its
    date (the admin sets up users and organizations the day before the story's first date),
    the decision logs and checkpoint history replayed in time order. Flushes, never commits."""
    data: dict[str, Any] = load("demo.yaml")
    first_day = earliest_date("demo.yaml", "decisions.yaml", "assessments.yaml", "objectives.yaml")
    setup = _at(first_day - timedelta(days=1))
    users: dict[str, User] = {}
    admin_spec = next(spec for spec in data["users"] if spec.get("admin"))
    with acting_as(None, at=setup):  # the installation creates its first admin
        admin = people.create_user(
            admin_spec["email"], admin_spec["name"], DEMO_PASSWORD, is_admin=True
        )
    users[admin.email] = admin
    with acting_as(admin.id, at=setup):
        for spec in data["users"]:
            if spec is not admin_spec:
                users[spec["email"]] = people.create_user(
                    spec["email"], spec["name"], DEMO_PASSWORD, is_admin=bool(spec.get("admin"))
                )
        db.session.flush()
    counts = {"organizations": 0, "initiatives": 0, "users": len(users)}
    # Each area loads its own demo records through its own operations. The checkpoint history
    # comes last: its evaluated criteria read the assessments, lineage, operations and decisions.
    for org_spec in data["organizations"]:
        _load_organization(org_spec, users, admin, setup)
        counts["organizations"] += 1
        counts["initiatives"] += sum(
            len(p.get("initiatives", [])) for p in org_spec.get("programs", [])
        )
    counts.update(load_maturity())
    counts["lineage_artifacts"] = load_lineage()
    counts.update(load_monitoring())  # on the deployments the lineage registered
    story = Story()
    counts["decisions"] = load_decisions(story)
    # Incidents in the story: their reviews and reports join the decision log in time order.
    counts["incidents"] = load_incidents(story)
    counts.update(gates_seed.load_checkpoints(story, data, _complete_earlier_phases))
    story.tell()
    return counts


def _load_organization(
    spec: dict[str, Any], users: dict[str, User], admin: User, setup: datetime
) -> Organization:
    # The admin sets the organization up; its engagement's leader then runs its portfolio.
    with acting_as(admin.id, at=setup):
        org = _set_up_organization(spec, users)
    leader = users[spec["engagement"]["leader"]] if spec.get("engagement") else admin
    with acting_as(leader.id, at=setup):
        for program_spec in spec.get("programs", []):
            owner = users.get(program_spec.get("owner", ""))
            program = ops.create_program(
                org,
                program_spec["name"],
                program_spec.get("description", ""),
                owner.id if owner else None,
            )
            db.session.flush()
            for initiative_spec in program_spec.get("initiatives", []):
                _load_initiative(program, initiative_spec, users, leader)
    return org


def _set_up_organization(spec: dict[str, Any], users: dict[str, User]) -> Organization:
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
    db.session.flush()
    return org


def _load_initiative(
    program: Any, spec: dict[str, Any], users: dict[str, User], leader: User
) -> Initiative:
    """The leader registers the initiative the day it starts and plans its current criteria;
    the criteria met so far are met by their people on their days."""
    owner = users.get(spec.get("owner", ""))
    stage = Stage(spec.get("stage", "pilot"))  # above pilot: through approved stage gates later
    started_on: date = spec.get("started_on") or date.today() - timedelta(days=30)
    with acting_as(leader.id, at=_at(started_on)):
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
        for key, due in (spec.get("criteria_due") or {}).items():
            by_key[key].due_on = due
            by_key[key].owner_id = by_key[key].owner_id or (owner.id if owner else None)
        db.session.flush()
    for met in spec.get("criteria_met", []):
        person = users[met["by"]]
        with acting_as(person.id, at=_at(met.get("met_on") or started_on)):
            criteria_ops.mark_met(
                by_key[met["key"]],
                person,
                evidence_url=met.get("evidence_url", ""),
                evidence_text=met.get("evidence_text", ""),
            )
    return initiative


def _complete_earlier_phases(
    story: Story, initiative: Initiative, spec: dict[str, Any], users: dict[str, User]
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
        gates_seed.complete_phase(story, phase, owner, start, start + timedelta(days=step - 1))
    promotions = [_at(date.today() - timedelta(days=days)) for days in (60, 25)]
    gates_seed.promote(story, initiative, Stage(spec.get("stage", "pilot")), owner, promotions)
