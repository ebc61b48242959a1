"""Demo decision logs from seed_data/decisions.yaml, appended through the decision operations
at their story dates, in time order with the rest of the demo's history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa

from governance.catalog import Story, load
from governance.decisions import operations as ops
from governance.decisions.models import Decision
from governance.enums import DecisionImpact, DecisionStatus, PhaseKind
from governance.extensions import db
from governance.people.models import User
from governance.portfolio.models import Initiative, Organization

_LISTS = {
    "drivers": "decision_drivers",
    "options": "considered_options",
    "makers": "decision_makers",
    "consulted": "consulted",
    "informed": "informed",
    "risks": "risk_refs",
    "artifacts": "artifact_refs",
}


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC) + timedelta(minutes=minute)


def load_decisions(story: Story) -> int:
    """Add every demo organization's decisions to the story, at their dates and by their
    people (`story.tell` appends them). Returns how many decisions the story records."""
    data: dict[str, list[dict[str, Any]]] = load("decisions.yaml")
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    count = 0
    for slug, specs in data.items():
        org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
        if org is None:
            continue
        initiatives = {
            i.name: i
            for i in db.session.scalars(
                sa.select(Initiative).where(Initiative.organization_id == org.id)
            )
        }
        events: list[tuple[date, int, str, dict[str, Any], dict[str, Any]]] = []
        for order, spec in enumerate(specs):
            events.append((spec["date"], order, "record", spec, spec))
            if approved := spec.get("approved"):
                events.append((approved["date"], order, "approve", spec, approved))
            for later in spec.get("later", []):
                events.append((later["date"], order, "status", spec, later))
        events.sort(key=lambda e: (e[0], e[1]))
        recorded: dict[str, Decision] = {}
        for minute, (day, _order, action, spec, event) in enumerate(events):
            actor = users[event["by"]]
            step = partial(_step, org, actor, action, spec, event, initiatives, recorded)
            story.at(_at(day, minute), actor.id, step)
            count += action == "record"
    return count


def _step(
    org: Organization,
    actor: User,
    action: str,
    spec: dict[str, Any],
    event: dict[str, Any],
    initiatives: dict[str, Initiative],
    recorded: dict[str, Decision],
) -> None:
    # No explicit times: the story replays each step at its moment (governance.database.as_of).
    if action == "record":
        recorded[spec["ref"]] = _record(org, actor, spec, initiatives, recorded)
    elif action == "approve":
        ops.approve_decision(recorded[spec["ref"]], actor, note=event.get("note", ""))
    else:
        ops.change_status(
            recorded[spec["ref"]], actor, DecisionStatus(event["status"]), note=event["note"]
        )


def _record(
    org: Organization,
    author: User,
    spec: dict[str, Any],
    initiatives: dict[str, Initiative],
    recorded: dict[str, Decision],
) -> Decision:
    initiative = initiatives[spec["initiative"]] if spec.get("initiative") else None
    phase = None
    if initiative is not None and spec.get("phase"):
        phase = next(p for p in initiative.phases if p.kind == PhaseKind(spec["phase"]))
    madr: dict[str, Any] = {name: spec.get(name, "") for name in ("consequences", "confirmation")}
    madr.update({column: spec.get(key) or [] for key, column in _LISTS.items()})
    return ops.record_decision(
        org,
        author,
        title=spec["title"],
        context=spec["context"],
        decision=spec["decision"],
        status=DecisionStatus(spec.get("status", "accepted")),
        impact=DecisionImpact(spec.get("impact", "normal")),
        initiative=initiative,
        phase=phase,
        supersedes=recorded[spec["supersedes"]] if spec.get("supersedes") else None,
        kind=spec.get("kind", "general"),
        details=spec.get("details"),
        by_workflow=True,  # the demo replays history, its waivers included
        rationale=spec.get("rationale", ""),
        **madr,
    )
