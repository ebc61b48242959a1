"""Incidents over the API: read them (open first, filtered, keyset pages) with their timelines
and times, open one, and take the steps (acknowledge, mitigate, resolve)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Response
from flask_smorest import abort
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from governance.api.auth import api_organization, api_user, token_required
from governance.enums import ArtifactKind, IncidentStatus, Severity
from governance.errors import DomainError
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents.api_blueprint import blp
from governance.incidents.api_schemas import (
    IncidentArgs,
    IncidentDetail,
    IncidentInput,
    IncidentList,
    StepInput,
)
from governance.incidents.models import Incident, IncidentEvent
from governance.loaders import get_artifact, get_incident, get_initiative, get_monitor
from governance.permissions import Action
from governance.portfolio.models import Organization
from governance.web.errors import json_error

T = TypeVar("T")

REFUSAL = (
    "Your role in this organization does not allow changing its incidents (contributor or above)."
)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60)


def _out(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "summary": incident.summary,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "source": incident.source.value,
        "fingerprint": incident.fingerprint,
        "deployment_id": incident.deployment_id,
        "deployment": incident.deployment.name if incident.deployment else None,
        "initiative_id": incident.initiative_id,
        "initiative": incident.initiative.name if incident.initiative else None,
        "monitor_id": incident.monitor_id,
        "monitor": incident.monitor.key if incident.monitor else None,
        "impact_started_at": _iso(incident.impact_started_at),
        "detected_at": _iso(incident.detected_at),
        "acknowledged_at": _iso(incident.acknowledged_at),
        "mitigated_at": _iso(incident.mitigated_at),
        "resolved_at": _iso(incident.resolved_at),
        "serious_kind": incident.serious_kind.value if incident.serious_kind else None,
        "report_due_at": _iso(incident.report_due_at),
        "reported_at": _iso(incident.reported_at),
        "version": incident.version,
    }


def _detail(incident: Incident) -> dict[str, Any]:
    events = db.session.scalars(
        sa.select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident.id)
        .options(selectinload(IncidentEvent.actor))
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    name = lambda user: user.name if user else None  # noqa: E731
    return {
        **_out(incident),
        "detected_by": name(incident.detected_by),
        "acknowledged_by": name(incident.acknowledged_by),
        "mitigated_by": name(incident.mitigated_by),
        "resolved_by": name(incident.resolved_by),
        "minutes": {
            "mttd": _minutes(incident.impact_started_at, incident.detected_at),
            "mtta": _minutes(incident.detected_at, incident.acknowledged_at),
            "mttr": _minutes(incident.detected_at, incident.resolved_at),
        },
        "timeline": [
            {
                "kind": event.kind.value,
                "at": _iso(event.at),
                "actor": name(event.actor),
                "detail": event.detail,
                "minutes": event.minutes,
                "decision_id": event.decision_id,
            }
            for event in events
        ],
    }


def _page(org: Organization, args: dict[str, Any]) -> tuple[list[Incident], int | None]:
    """Unresolved first, then the most recently detected; keyset on (resolved, detected, id)."""
    done = sa.case((Incident.status == IncidentStatus.RESOLVED, 1), else_=0)
    query = sa.select(Incident).where(Incident.organization_id == org.id)
    if args["status"] == "unresolved":
        query = query.where(Incident.status != IncidentStatus.RESOLVED)
    elif args["status"]:
        query = query.where(Incident.status == IncidentStatus(args["status"]))
    if args["severity"]:
        query = query.where(Incident.severity == Severity(args["severity"]))
    if args["deployment"] is not None:
        query = query.where(Incident.deployment_id == args["deployment"])
    if args["initiative"] is not None:
        query = query.where(Incident.initiative_id == args["initiative"])
    if args["after"] is not None:
        last = db.session.get(Incident, args["after"])
        if last is None or last.organization_id != org.id:
            abort(400, message="after: no such incident in this organization.")
        assert last is not None  # abort() raised
        last_done = 1 if last.status == IncidentStatus.RESOLVED else 0
        query = query.where(
            sa.or_(
                done > last_done,
                sa.and_(
                    done == last_done,
                    sa.or_(
                        Incident.detected_at < last.detected_at,
                        sa.and_(Incident.detected_at == last.detected_at, Incident.id < last.id),
                    ),
                ),
            )
        )
    limit = args["limit"]
    rows = list(
        db.session.scalars(
            query.options(
                selectinload(Incident.deployment),
                selectinload(Incident.initiative),
                selectinload(Incident.monitor),
            )
            .order_by(done, Incident.detected_at.desc(), Incident.id.desc())
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if more else None


@blp.get("/orgs/<slug>/incidents")
@token_required
@blp.arguments(IncidentArgs, location="query")
@blp.response(200, IncidentList)
def list_incidents(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """The organization's incidents, unresolved first, then newest detected, in keyset pages
    (`after` = the last id you got). Everyone in the organization may read them."""
    org = api_organization(slug)
    rows, next_after = _page(org, args)
    return {"items": [_out(row) for row in rows], "next_after": next_after}


@blp.get("/orgs/<slug>/incidents/<int:incident_id>")
@token_required
@blp.response(200, IncidentDetail)
def show_incident(slug: str, incident_id: int) -> dict[str, Any]:
    """One incident with who took each step, its timeline, and its MTTD, MTTA and MTTR."""
    org = api_organization(slug)
    return _detail(get_incident(org, incident_id))


def _body_ref(loader: Callable[[Any, int], T], org: Any, value: int | None, field: str) -> T | None:
    if value is None:
        return None
    try:
        return loader(org, value)
    except NotFound as missing:
        abort(404, message=f"{field}: {missing.description}")
    raise AssertionError  # abort() raised


def _refused(error: DomainError) -> Response:
    db.session.rollback()
    details = {error.field: [error.message]} if error.field else None
    message = f"{error.field}: {error.message}" if error.field else error.message
    return json_error(error.status, message, code=error.code, details=details)


@blp.post("/orgs/<slug>/incidents")
@token_required
@blp.arguments(IncidentInput)
@blp.response(201, IncidentDetail)
@blp.alt_response(400, description="Refused by a rule; nothing was recorded")
def open_incident(data: dict[str, Any], slug: str) -> Any:
    """Open an incident by hand or from a tool (contributor and up). Impact started defaults
    to the monitor's current breach, else to when it was detected (default: now)."""
    org = api_organization(slug, Action.CONTRIBUTE, refusal=REFUSAL)
    deployment = _body_ref(get_artifact, org, data["deployment_id"], "deployment_id")
    if deployment is not None and deployment.kind != ArtifactKind.DEPLOYMENT:
        return json_error(400, "deployment_id: this artifact is not a deployment.")
    try:
        incident = ops.open_incident(
            org,
            api_user(),
            title=data["title"],
            severity=Severity(data["severity"]),
            deployment=deployment,
            monitor=_body_ref(get_monitor, org, data["monitor_id"], "monitor_id"),
            initiative=_body_ref(get_initiative, org, data["initiative_id"], "initiative_id"),
            summary=data["summary"],
            detected_at=data["detected_at"],
            impact_started_at=data["impact_started_at"],
        )
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return _detail(incident)


def _step(slug: str, incident_id: int, data: dict[str, Any], step: str) -> Any:
    org = api_organization(slug, Action.CONTRIBUTE, refusal=REFUSAL)
    incident = get_incident(org, incident_id)
    by, at, note = api_user(), data["at"], data["note"]
    try:
        if step == "acknowledge":
            ops.acknowledge(incident, by, at)
            if note.strip():
                ops.add_note(incident, by, note, at)
        elif step == "mitigate":
            ops.mitigate(incident, by, at, note)
        else:
            ops.resolve(incident, by, at, note)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return _detail(incident)


@blp.post("/orgs/<slug>/incidents/<int:incident_id>/acknowledge")
@token_required
@blp.arguments(StepInput)
@blp.response(200, IncidentDetail)
@blp.alt_response(409, description="Already acknowledged")
def acknowledge_incident(data: dict[str, Any], slug: str, incident_id: int) -> Any:
    """Someone is on it: acknowledged at `at` (default now), with an optional note."""
    return _step(slug, incident_id, data, "acknowledge")


@blp.post("/orgs/<slug>/incidents/<int:incident_id>/mitigate")
@token_required
@blp.arguments(StepInput)
@blp.response(200, IncidentDetail)
@blp.alt_response(409, description="Already mitigated or resolved")
def mitigate_incident(data: dict[str, Any], slug: str, incident_id: int) -> Any:
    """The impact stopped (a rollback, a feature flag); acknowledges it too if need be."""
    return _step(slug, incident_id, data, "mitigate")


@blp.post("/orgs/<slug>/incidents/<int:incident_id>/resolve")
@token_required
@blp.arguments(StepInput)
@blp.response(200, IncidentDetail)
@blp.alt_response(409, description="Already resolved")
def resolve_incident(data: dict[str, Any], slug: str, incident_id: int) -> Any:
    """Service restored and the cause dealt with; a person resolving fills the steps not yet
    taken (acknowledged, mitigated) with the same time."""
    return _step(slug, incident_id, data, "resolve")
