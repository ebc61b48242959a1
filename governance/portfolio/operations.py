"""Organizations, engagements, programs and initiatives, and the seven phases every initiative
starts with."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from governance.catalog import phase_catalog
from governance.database import utcnow
from governance.enums import (
    CostModel,
    EngagementModel,
    LeadershipRole,
    PhaseKind,
    PhaseStatus,
    RiskTier,
    Stage,
)
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Engagement, Initiative, Organization, Program

# An organization's address (/orgs/<slug>): lower-case words joined by single dashes.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


PROGRAM_FIELDS = ["name", "description", "owner_id"]


INITIATIVE_FIELDS = ["name", "description", "program_id", "risk_tier", "owner_id", "sponsor"]


def create_organization(
    slug: str, name: str, description: str = "", review_target_days: int = 5
) -> Organization:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise DomainError(
            "Use lower-case letters, digits and single dashes, like northwind-logistics.",
            field="slug",
        )
    if db.session.scalar(db.select(Organization.id).where(Organization.slug == slug)):
        raise DomainError(f"The address /orgs/{slug} is already taken.", field="slug")
    org = Organization(
        slug=slug, name=name.strip(), description=description, review_target_days=review_target_days
    )
    db.session.add(org)
    db.session.flush()
    return org


def update_organization(
    org: Organization,
    expected_version: int | None,
    *,
    name: str,
    description: str,
    review_target_days: int,
) -> Organization:
    check_version(org, expected_version, ["name", "description", "review_target_days"])
    org.name = name.strip()
    org.description = description
    org.review_target_days = review_target_days
    db.session.flush()
    return org


def set_review_rules(
    org: Organization,
    by: User,
    expected_version: int | None,
    *,
    two_approvers_for_high_risk: bool,
) -> Organization:
    """How the organization's checkpoints are approved (leader or admin)."""
    require(
        by,
        Action.SET_REVIEW_RULES,
        org,
        "Only a leader of this organization or an admin can change how checkpoints are approved.",
    )
    check_version(org, expected_version, ["two_approvers_for_high_risk"])
    org.two_approvers_for_high_risk = two_approvers_for_high_risk
    db.session.flush()
    return org


def create_engagement(
    org: Organization,
    leader: User,
    *,
    leadership_role: LeadershipRole,
    model: EngagementModel,
    hours_per_week: int,
    starts_on: date,
    ends_on: date | None,
    cost_model: CostModel,
) -> Engagement:
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("The engagement cannot end before it starts.", field="ends_on")
    if not 1 <= hours_per_week <= 60:
        raise DomainError(
            "Contracted hours must be between 1 and 60 a week.", field="hours_per_week"
        )
    engagement = Engagement(
        organization_id=org.id,
        leader=leader,
        leadership_role=leadership_role,
        model=model,
        hours_per_week=hours_per_week,
        starts_on=starts_on,
        ends_on=ends_on,
        cost_model=cost_model,
    )
    db.session.add(engagement)
    db.session.flush()
    return engagement


def _member_of(org: Organization, user_id: int | None, field: str) -> None:
    from governance.permissions import is_member

    if user_id is None:
        return
    user = db.session.get(User, user_id)
    if user is None or not is_member(user, org.id):
        raise DomainError("Choose a member of this organization.", field=field)


def create_program(
    org: Organization, name: str, description: str = "", owner_id: int | None = None
) -> Program:
    _member_of(org, owner_id, "owner_id")
    program = Program(
        organization_id=org.id, name=name.strip(), description=description, owner_id=owner_id
    )
    db.session.add(program)
    db.session.flush()
    return program


def update_program(program: Program, expected_version: int | None, **changes: Any) -> Program:
    check_version(program, expected_version, PROGRAM_FIELDS)
    _member_of(program.organization, changes.get("owner_id"), "owner_id")
    for key, value in changes.items():
        setattr(program, key, value)
    db.session.flush()
    return program


def create_initiative(
    program: Program,
    name: str,
    *,
    description: str = "",
    risk_tier: RiskTier = RiskTier.MEDIUM,
    owner_id: int | None = None,
    sponsor: str = "",
    stage: Stage = Stage.PILOT,
    started_at: datetime | None = None,
) -> Initiative:
    """A new initiative with the seven phases and their seed exit criteria; phase 1 starts."""
    _member_of(program.organization, owner_id, "owner_id")
    initiative = Initiative(
        organization_id=program.organization_id,
        program=program,
        name=name.strip(),
        description=description,
        risk_tier=risk_tier,
        owner_id=owner_id,
        sponsor=sponsor,
        stage=stage,
    )
    db.session.add(initiative)
    for spec in phase_catalog():
        kind = PhaseKind(spec["kind"])
        phase = Phase(
            organization_id=program.organization_id,
            kind=kind,
            position=kind.position,
            status=PhaseStatus.IN_PROGRESS if kind.position == 1 else PhaseStatus.NOT_STARTED,
            started_at=(started_at or utcnow()) if kind.position == 1 else None,
        )
        initiative.phases.append(phase)
        for position, criterion in enumerate(spec["criteria"], start=1):
            phase.criteria.append(
                ExitCriterion(
                    organization_id=program.organization_id,
                    key=criterion["key"],
                    position=position,
                    title=criterion["title"],
                    description=criterion.get("description", ""),
                    framework_refs=list(criterion.get("framework_refs") or []),
                    rule=criterion.get("rule"),
                )
            )
    db.session.flush()
    from governance.gates.phases import create_stage_gates

    create_stage_gates(initiative)
    return initiative


def update_initiative(
    initiative: Initiative, expected_version: int | None, **changes: Any
) -> Initiative:
    check_version(initiative, expected_version, INITIATIVE_FIELDS)
    org = initiative.organization
    _member_of(org, changes.get("owner_id"), "owner_id")
    program_id = changes.get("program_id")
    if program_id is not None:
        program = db.session.get(Program, program_id)
        if program is None or program.organization_id != org.id:
            raise DomainError("Choose a program of this organization.", field="program_id")
    for key, value in changes.items():
        setattr(initiative, key, value)
    db.session.flush()
    return initiative


def current_phase(initiative: Initiative) -> Phase | None:
    """The first phase not complete, in order; None once all seven are complete."""
    return next((p for p in initiative.phases if p.status != PhaseStatus.COMPLETE), None)
