"""Monitors and observations through the API.

`GET/POST /api/v1/orgs/<slug>/monitors`, `GET/PATCH /api/v1/orgs/<slug>/monitors/<id>` (PATCH
honours `If-Match: "<version>"`: a stale version answers 412 with the current values), and
`POST /api/v1/orgs/<slug>/observations`, batches of up to 5,000 values judged on arrival.
Reading needs membership; writing the contribute right (contributor and up), with a token
scoped to the organization or an unscoped token of a member.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, request, url_for
from flask_smorest import Blueprint

from governance.api.auth import api_organization, api_user, token_required
from governance.api.schemas import Id, Name, Text, WholeNumber
from governance.enums import Comparator, MonitorSignal, Severity
from governance.errors import ConflictError, DomainError
from governance.extensions import db
from governance.lineage.models import LineageArtifact
from governance.loaders import get_monitor
from governance.monitoring import operations as ops
from governance.monitoring.batch import MAX_BATCH, parse_observations
from governance.monitoring.health import Reading, monitor_readings
from governance.monitoring.models import Monitor
from governance.permissions import Action
from governance.web.errors import json_error

blp = Blueprint(
    "api_monitoring",
    __name__,
    url_prefix="/api/v1/orgs",
    description="Monitors on deployments and the observations sent to them",
)

WRITE_REFUSAL = "Your role in this organization does not allow changing its monitors or "
WRITE_REFUSAL += "sending observations (contributor or above)."
LIST_LIMIT = 500


class MonitorSchema(ma.Schema):
    id = ma.fields.Integer()
    key = ma.fields.String(metadata={"description": "What observations and alerts name it by"})
    name = ma.fields.String()
    deployment_id = ma.fields.Integer()
    dataset_id = ma.fields.Integer(allow_none=True)
    signal = ma.fields.String(metadata={"enum": [s.value for s in MonitorSignal]})
    metric = ma.fields.String()
    comparator = ma.fields.String(metadata={"enum": [c.value for c in Comparator]})
    threshold = ma.fields.Float()
    unit = ma.fields.String()
    condition = ma.fields.String(metadata={"description": "Healthy while: `auc ≥ 0.85`"})
    window_minutes = ma.fields.Integer()
    severity = ma.fields.String(metadata={"enum": [s.value for s in Severity]})
    owner_id = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()
    state = ma.fields.String(
        metadata={"description": "healthy, breaching, silent (nothing within the window) or never"}
    )
    latest_value = ma.fields.Float(allow_none=True)
    latest_observed_at = ma.fields.DateTime(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "Send it as If-Match to change it"})
    url = ma.fields.String()


class MonitorList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MonitorSchema))


class MonitorListArgs(ma.Schema):
    deployment = Id(load_default=None, metadata={"description": "Only this deployment's"})


def _enum(enum: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.OneOf([m.value for m in enum]))


class MonitorChanges(ma.Schema):
    key = Name(validate=ma.validate.Length(max=120))
    name = Name(validate=ma.validate.Length(max=200))
    signal = _enum(MonitorSignal)
    metric = Name(validate=ma.validate.Length(max=120))
    comparator = _enum(Comparator)
    threshold = ma.fields.Float(allow_nan=False)
    unit = Text(validate=ma.validate.Length(max=40))
    window_minutes = WholeNumber(strict=True)
    severity = _enum(Severity)
    owner_id = Id(allow_none=True, strict=True)
    dataset_id = Id(allow_none=True, strict=True)
    active = ma.fields.Boolean()


class MonitorInput(MonitorChanges):
    deployment_id = Id(required=True, strict=True)
    key = Name(required=True, validate=ma.validate.Length(max=120))
    name = Name(required=True, validate=ma.validate.Length(max=200))
    signal = ma.fields.String(required=True, validate=ma.validate.OneOf(list(MonitorSignal)))
    metric = Name(required=True, validate=ma.validate.Length(max=120))
    comparator = ma.fields.String(required=True, validate=ma.validate.OneOf(list(Comparator)))
    threshold = ma.fields.Float(required=True, allow_nan=False)


class ObservationItem(ma.Schema):
    monitor = ma.fields.String(metadata={"description": "A monitor's key"})
    artifact = ma.fields.Raw(
        metadata={"description": "Instead of a monitor: an artifact id or dataset:<ns>:<name>"}
    )
    metric = ma.fields.String(metadata={"description": "With `artifact`: the metric's name"})
    value = ma.fields.Float(required=True)
    observed_at = ma.fields.DateTime(required=True, metadata={"example": "2026-12-01T10:00:00Z"})


class ObservationBatch(ma.Schema):
    observations = ma.fields.List(
        ma.fields.Nested(ObservationItem),
        required=True,
        metadata={"description": f"1 to {MAX_BATCH} observations"},
    )


class ObservationsAnswer(ma.Schema):
    received = ma.fields.Integer()
    breaches = ma.fields.Integer(metadata={"description": "Values outside a monitor's condition"})
    breaching_monitors = ma.fields.List(
        ma.fields.String(), metadata={"description": "Keys of the monitors that saw a breach"}
    )


def _out(slug: str, m: Monitor, reading: Reading | None) -> dict[str, Any]:
    return {
        "id": m.id,
        "key": m.key,
        "name": m.name,
        "deployment_id": m.deployment_id,
        "dataset_id": m.dataset_id,
        "signal": m.signal.value,
        "metric": m.metric,
        "comparator": m.comparator.value,
        "threshold": m.threshold,
        "unit": m.unit,
        "condition": m.condition,
        "window_minutes": m.window_minutes,
        "severity": m.severity.value,
        "owner_id": m.owner_id,
        "active": m.active,
        "state": reading.state.value if reading else "never",
        "latest_value": reading.value if reading else None,
        "latest_observed_at": reading.observed_at if reading else None,
        "version": m.version,
        "url": url_for("monitors.show", slug=slug, monitor_id=m.id, _external=True),
    }


def _one(slug: str, monitor: Monitor, status: int = 200) -> tuple[dict[str, Any], int, dict]:
    """A monitor as answered, with its version as the ETag (what If-Match sends back)."""
    reading = monitor_readings(monitor.organization_id, [monitor.id]).get(monitor.id)
    return _out(slug, monitor, reading), status, {"ETag": f'"{monitor.version}"'}


def _refused(error: DomainError, status: int | None = None) -> Response:
    db.session.rollback()
    details: dict[str, Any] | None = {error.field: [error.message]} if error.field else None
    if isinstance(error, ConflictError):
        details = {"current": {k: getattr(v, "value", v) for k, v in error.current.items()}}
    return json_error(status or error.status, error.message, code=error.code, details=details)


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    kinds: dict[str, Any] = {
        "signal": MonitorSignal,
        "comparator": Comparator,
        "severity": Severity,
    }
    return {k: kinds[k](v) if k in kinds else v for k, v in data.items()}


def _if_match() -> int | None:
    """The version an `If-Match` header names ("3", W/"3" or 3); None without one."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        return -1  # names no version this monitor can have: stale
    return int(text)


@blp.get("/<slug>/monitors")
@token_required
@blp.arguments(MonitorListArgs, location="query")
@blp.response(200, MonitorList)
def list_monitors(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """The organization's monitors (or one deployment's), by name, each with its state."""
    org = api_organization(slug)
    query = (
        sa.select(Monitor)
        .where(Monitor.organization_id == org.id)
        .order_by(Monitor.name, Monitor.id)
        .limit(LIST_LIMIT)
    )
    if args["deployment"] is not None:
        query = query.where(Monitor.deployment_id == args["deployment"])
    monitors = list(db.session.scalars(query))
    readings = monitor_readings(org.id, [m.id for m in monitors]) if monitors else {}
    return {"items": [_out(org.slug, m, readings.get(m.id)) for m in monitors]}


@blp.post("/<slug>/monitors")
@token_required
@blp.arguments(MonitorInput)
@blp.response(201, MonitorSchema)
@blp.alt_response(400, description="Refused by a rule (the field is named); nothing recorded")
def create_monitor(data: dict[str, Any], slug: str) -> Any:
    """Add a monitor to a deployment (contributor and up)."""
    org = api_organization(slug, Action.CONTRIBUTE, refusal=WRITE_REFUSAL)
    data = _typed(data)
    data.pop("active", None)
    deployment = db.session.get(LineageArtifact, data.pop("deployment_id"))
    try:
        if deployment is None:
            raise DomainError("Choose a deployment of this organization.", field="deployment_id")
        monitor = ops.create_monitor(org, api_user(), deployment, **data)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return _one(org.slug, monitor, 201)


@blp.get("/<slug>/monitors/<int:monitor_id>")
@token_required
@blp.response(200, MonitorSchema)
def get_monitor_api(slug: str, monitor_id: int) -> Any:
    """One monitor with its state and latest value; its ETag is its version."""
    org = api_organization(slug)
    return _one(org.slug, get_monitor(org, monitor_id))


@blp.patch("/<slug>/monitors/<int:monitor_id>")
@token_required
@blp.arguments(MonitorChanges)
@blp.response(200, MonitorSchema)
@blp.doc(
    parameters=[
        {
            "in": "header",
            "name": "If-Match",
            "schema": {"type": "string"},
            "description": 'The version you read ("3", the ETag): a stale one answers 412',
        }
    ]
)
@blp.alt_response(400, description="Refused by a rule (the field is named); nothing changed")
@blp.alt_response(412, description="The monitor changed since that version: its current values")
def update_monitor_api(data: dict[str, Any], slug: str, monitor_id: int) -> Any:
    """Change some of a monitor's fields (contributor and up); `active: false` deactivates it."""
    org = api_organization(slug, Action.CONTRIBUTE, refusal=WRITE_REFUSAL)
    monitor = get_monitor(org, monitor_id)
    try:
        ops.update_monitor(monitor, api_user(), _if_match(), **_typed(data))
    except ConflictError as error:
        return _refused(error, 412)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return _one(org.slug, monitor)


@blp.post("/<slug>/observations")
@token_required
@blp.doc(
    requestBody={
        "required": True,
        "description": f"Up to {MAX_BATCH} observations, each of a monitor (by key) or of an "
        "artifact's metric. A bad item answers 400 naming it (`observations[3].value`) and "
        "nothing of the batch is recorded.",
        "content": {"application/json": {"schema": ObservationBatch}},
    }
)
@blp.response(201, ObservationsAnswer)
@blp.alt_response(400, description="An item is wrong (named); nothing was recorded")
def receive_observations(slug: str) -> Any:
    """Record a batch of observations, each judged against its monitors on arrival."""
    org = api_organization(slug, Action.CONTRIBUTE, refusal=WRITE_REFUSAL)
    body = request.get_json(silent=True)
    try:
        items = parse_observations(org, body)
        result = ops.record_observations(org, api_user(), items)
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return {
        "received": result.received,
        "breaches": result.breaches,
        "breaching_monitors": sorted(result.breaching_keys),
    }
