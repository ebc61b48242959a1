"""What an initiative's page shows: its phases, their exit criteria, and its activity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from governance.audit import AuditEvent
from governance.enums import CriterionStatus, PhaseStatus
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase
from governance.people.models import User
from governance.portfolio.models import Initiative


@dataclass
class PhaseView:
    phase: Phase
    criteria: list[ExitCriterion]

    @property
    def done(self) -> int:
        return sum(1 for c in self.criteria if c.state != CriterionStatus.OPEN)


@dataclass
class Activity:
    occurred_at: datetime
    actor: str | None
    record_type: str
    record_id: int
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None
    subject: str


@dataclass
class InitiativePage:
    phases: list[PhaseView]
    current: PhaseView | None
    activity: list[Activity]


def initiative_page(initiative: Initiative, activity_limit: int = 30) -> InitiativePage:
    phases = list(
        db.session.scalars(
            sa.select(Phase)
            .where(Phase.initiative_id == initiative.id)
            .options(joinedload(Phase.owner))
            .order_by(Phase.position)
        )
    )
    criteria = list(
        db.session.scalars(
            sa.select(ExitCriterion)
            .join(Phase, Phase.id == ExitCriterion.phase_id)
            .where(Phase.initiative_id == initiative.id)
            .options(joinedload(ExitCriterion.owner), joinedload(ExitCriterion.met_by))
            .order_by(ExitCriterion.phase_id, ExitCriterion.position)
        )
    )
    by_phase: dict[int, list[ExitCriterion]] = {p.id: [] for p in phases}
    for criterion in criteria:
        if criterion.phase_id is not None:  # joined on the phase: never None here
            by_phase[criterion.phase_id].append(criterion)
    views = [PhaseView(p, by_phase[p.id]) for p in phases]
    current = next((v for v in views if v.phase.status != PhaseStatus.COMPLETE), None)
    return InitiativePage(views, current, _activity(initiative, phases, criteria, activity_limit))


def _activity(
    initiative: Initiative, phases: list[Phase], criteria: list[ExitCriterion], limit: int
) -> list[Activity]:
    names = {("initiative", initiative.id): initiative.name}
    names.update({("phase", p.id): f"{p.kind.value.replace('_', ' ')} phase" for p in phases})
    names.update({("exit_criterion", c.id): c.title for c in criteria})
    records = sa.or_(
        sa.and_(AuditEvent.record_type == "initiative", AuditEvent.record_id == initiative.id),
        sa.and_(
            AuditEvent.record_type == "phase", AuditEvent.record_id.in_([p.id for p in phases])
        ),
        sa.and_(
            AuditEvent.record_type == "exit_criterion",
            AuditEvent.record_id.in_([c.id for c in criteria]),
        ),
    )
    rows = db.session.execute(
        sa.select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.organization_id == initiative.organization_id, records)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    people = _people_named_in(rows)

    def shown(field: str | None, value: str | None) -> str | None:
        # "owner_id: 4" means nothing to a reader; "owner: Carlos Ruiz" does.
        if field in PERSON_FIELDS and value and value.isdigit():
            return people.get(int(value), value)
        return value

    return [
        Activity(
            e.occurred_at,
            actor,
            e.record_type,
            e.record_id,
            e.action,
            e.field.removesuffix("_id") if e.field in PERSON_FIELDS else e.field,
            shown(e.field, e.old_value),
            shown(e.field, e.new_value),
            names.get((e.record_type, e.record_id), e.record_type),
        )
        for e, actor in rows
    ]


PERSON_FIELDS = {"owner_id", "met_by_id", "leader_id", "decided_by_id", "approved_by_id"}


def _people_named_in(rows: Sequence[Any]) -> dict[int, str]:
    ids = {
        int(value)
        for event, _actor in rows
        if event.field in PERSON_FIELDS
        for value in (event.old_value, event.new_value)
        if value and value.isdigit()
    }
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())
