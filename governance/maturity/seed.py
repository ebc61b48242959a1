"""Demo maturity assessments, objectives with KPIs and measurements, and risks.

Loaded from seed_data/ through the operations, by `governance.portfolio.seed.load_demo`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

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
            ops.record_assessment(
                assessed,
                users.get(entry.get("by", "")) or _actor(assessed.organization_id),
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
            objective = ops.create_objective(
                target,
                by,
                objective_spec["title"],
                ValueDriver(objective_spec["value_driver"]),
                objective_spec.get("description", ""),
            )
            for kpi_spec in objective_spec["kpis"]:
                counts["measurements"] += _load_kpi(objective, target, by, kpi_spec, today)
    for spec in load("risks.yaml")["organizations"]:
        org = orgs[spec["org"]]
        for risk in spec["risks"]:
            owner = users.get(risk.get("owner", ""))
            linked = risk.get("initiative")
            risks.create_risk(
                org,
                _actor(org.id),
                title=risk["title"],
                category=RiskCategory(risk["category"]),
                likelihood=int(risk["likelihood"]),
                impact=int(risk["impact"]),
                description=risk.get("description", ""),
                owner_id=owner.id if owner else None,
                mitigation=risk.get("mitigation", ""),
                status=RiskStatus(risk.get("status", "open")),
                initiative_id=initiatives[(org.id, linked)].id if linked else None,
            )
            counts["risks"] += 1
    db.session.flush()
    return counts


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _actor(organization_id: int, action: Action = Action.CONTRIBUTE) -> User:
    """Who records the demo's objectives, KPIs and risks: a member allowed to."""
    by = someone_who_may(action, organization_id)
    assert by is not None, "the demo organizations have members"
    return by


def _load_kpi(
    objective: Any, initiative: Initiative, by: User, spec: dict[str, Any], today: date
) -> int:
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
    points: list[tuple[date, Any]] = [(d, v) for d, v in spec.get("points", [])]
    if series := spec.get("series"):
        start, every = series["from"], int(series["every"])
        points += [(start + timedelta(days=every * n), v) for n, v in enumerate(series["values"])]
    created = 0
    for day, value in points:
        if day <= today:
            ops.record_measurement(kpi, by, day, Decimal(str(value)), today=today)
            created += 1
    if threshold := spec.get("threshold"):
        phase = next(p for p in initiative.phases if p.kind == PhaseKind(threshold["phase"]))
        ops.add_kpi_threshold(
            phase,
            _actor(initiative.organization_id, Action.MANAGE),
            kpi,
            Comparator(threshold["comparator"]),
            Decimal(str(threshold["value"])),
            int(threshold["window_days"]),
        )
    return created
