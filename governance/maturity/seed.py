"""Demo maturity assessments, objectives with KPIs and measurements, and risks.

Loaded from seed_data/ through the operations, by `governance.portfolio.seed.load_demo`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from governance.audit import acting_as
from governance.catalog import load, maturity_dimensions
from governance.enums import Comparator, Direction, PhaseKind, RiskCategory, RiskStatus, ValueDriver
from governance.extensions import db
from governance.maturity import operations as ops
from governance.people.models import User
from governance.permissions import Action, someone_who_may
from governance.portfolio.models import Initiative, Organization
from governance.risks import operations as risks


def load_maturity(today: date | None = None) -> dict[str, int]:
    """Load the three demo files; returns how many records of each kind were created."""
    today = today or date.today()
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    orgs = {o.slug: o for o in db.session.scalars(sa.select(Organization))}
    initiatives = {
        (i.organization_id, i.name): i for i in db.session.scalars(sa.select(Initiative))
    }

    def initiative(spec: dict[str, Any]) -> Initiative:
        return initiatives[(orgs[spec["org"]].id, spec["initiative"])]

    counts = {"assessments": 0, "measurements": 0, "risks": 0}
    keys = [d["key"] for d in maturity_dimensions()]
    for spec in load("assessments.yaml")["initiatives"]:
        for entry in spec["history"]:
            targets = entry.get("targets") or spec.get("targets") or [None] * len(keys)
            notes = entry.get("notes") or {}
            scores = [
                ops.DimensionScore(key, int(score), target, notes.get(key, ""))
                for key, score, target in zip(keys, entry["scores"], targets, strict=True)
                if score is not None
            ]
            assessed = initiative(spec)
            by = users.get(entry.get("by", "")) or _actor(assessed.organization_id)
            with acting_as(by.id, at=_on(entry["date"])):
                ops.record_assessment(
                    assessed,
                    by,
                    entry["date"],
                    scores,
                    summary=entry.get("summary", ""),
                    today=today,
                )
            counts["assessments"] += 1
    for spec in load("objectives.yaml")["initiatives"]:
        target = initiative(spec)
        by = _actor(target.organization_id)
        for objective_spec in spec["objectives"]:
            # Agreed in the initiative's first days (or before its first measurement).
            kpis = objective_spec["kpis"]
            agreed = min([target.created_at + timedelta(hours=2), *map(_first_point, kpis)])
            with acting_as(by.id, at=agreed):
                objective = ops.create_objective(
                    target,
                    by,
                    objective_spec["title"],
                    ValueDriver(objective_spec["value_driver"]),
                    objective_spec.get("description", ""),
                )
            for kpi_spec in kpis:
                counts["measurements"] += _load_kpi(objective, target, by, kpi_spec, today, agreed)
    for spec in load("risks.yaml")["organizations"]:
        org = orgs[spec["org"]]
        for risk in spec["risks"]:
            owner = users.get(risk.get("owner", ""))
            linked = risk.get("initiative")
            by = _actor(org.id)
            # Entered when the initiative it threatens started (else with the first one).
            about = initiatives[(org.id, linked)] if linked else _first_initiative(org.id)
            with acting_as(by.id, at=about.created_at + timedelta(hours=3)):
                _create_risk(
                    org, by, risk, owner, initiatives[(org.id, linked)] if linked else None
                )
            counts["risks"] += 1
    db.session.flush()
    return counts


def _create_risk(
    org: Organization, by: User, risk: dict[str, Any], owner: User | None, about: Any
) -> None:
    risks.create_risk(
        org,
        by,
        title=risk["title"],
        category=RiskCategory(risk["category"]),
        likelihood=int(risk["likelihood"]),
        impact=int(risk["impact"]),
        description=risk.get("description", ""),
        owner_id=owner.id if owner else None,
        mitigation=risk.get("mitigation", ""),
        status=RiskStatus(risk.get("status", "open")),
        initiative_id=about.id if about is not None else None,
    )


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _actor(organization_id: int, action: Action = Action.CONTRIBUTE) -> User:
    """Who records the demo's objectives, KPIs and risks: a member allowed to."""
    by = someone_who_may(action, organization_id)
    assert by is not None, "the demo organizations have members"
    return by


def _on(day: date) -> datetime:
    """A demo record's moment on `day` (governance.database.as_of)."""
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def _points(spec: dict[str, Any]) -> list[tuple[date, Any]]:
    points: list[tuple[date, Any]] = [(d, v) for d, v in spec.get("points", [])]
    if series := spec.get("series"):
        start, every = series["from"], int(series["every"])
        points += [(start + timedelta(days=every * n), v) for n, v in enumerate(series["values"])]
    return points


def _first_point(spec: dict[str, Any]) -> datetime:
    days = [day for day, _value in _points(spec)]
    return _on(min(days)) - timedelta(hours=1) if days else datetime.max.replace(tzinfo=UTC)


def _first_initiative(organization_id: int) -> Initiative:
    first = db.session.scalar(
        sa.select(Initiative)
        .where(Initiative.organization_id == organization_id)
        .order_by(Initiative.created_at, Initiative.id)
    )
    assert first is not None
    return first


def _load_kpi(
    objective: Any,
    initiative: Initiative,
    by: User,
    spec: dict[str, Any],
    today: date,
    agreed: datetime,
) -> int:
    with acting_as(by.id, at=agreed):
        kpi = ops.create_kpi(
            objective,
            by,
            spec["name"],
            unit=str(spec["unit"]),
            direction=Direction(spec["direction"]),
            baseline=_number(spec.get("baseline")),
            target=_number(spec.get("target")),
            target_on=spec.get("target_on"),
        )
        if threshold := spec.get("threshold"):
            phase = next(p for p in initiative.phases if p.kind == PhaseKind(threshold["phase"]))
            manager = _actor(initiative.organization_id, Action.MANAGE)
            with acting_as(manager.id):
                ops.add_kpi_threshold(
                    phase,
                    manager,
                    kpi,
                    Comparator(threshold["comparator"]),
                    Decimal(str(threshold["value"])),
                    int(threshold["window_days"]),
                )
    created = 0
    for day, value in _points(spec):
        if day <= today:
            with acting_as(by.id, at=max(_on(day), agreed)):
                ops.record_measurement(kpi, by, day, Decimal(str(value)), today=today)
            created += 1
    return created
