"""OpenLineage ingestion and the Marquez-compatible lineage graph.

`POST /api/v1/lineage` and `POST /api/v1/lineage/batch` take what OpenLineage clients send;
`GET /api/v1/lineage?nodeId=...&depth=N` answers the graph around a node as Marquez does.

Tokens: lineage belongs to one organization, so writing needs a token scoped to one
(`flask create-token EMAIL --org SLUG`). An unscoped token gets 403 with a message saying so
on writes; on the read it may name the organization with `org=SLUG`.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, request
from flask_smorest import Blueprint

from governance.api.auth import api_organization, api_token, api_user, token_required
from governance.errors import DomainError
from governance.extensions import db
from governance.lineage import marquez
from governance.lineage.graph import DEFAULT_DEPTH, MAX_DEPTH
from governance.lineage.ingest import ingest
from governance.lineage.openlineage import decode_body, load_json, parse_batch, parse_event
from governance.permissions import Action
from governance.portfolio.models import Organization
from governance.web.errors import json_error

blp = Blueprint(
    "api_lineage",
    __name__,
    url_prefix="/api/v1/lineage",
    description="Lineage: OpenLineage ingestion and a Marquez-compatible graph",
)


UNSCOPED = (
    "This API token is not scoped to an organization, and lineage belongs to one. "
    "Create a scoped token: flask --app governance create-token EMAIL --org SLUG."
)


_EVENT_DOC = {
    "required": True,
    "description": "An OpenLineage RunEvent, JobEvent or DatasetEvent as JSON, plain or with "
    "`Content-Encoding: gzip`.",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


_BATCH_DOC = {
    "required": True,
    "description": "A JSON array of OpenLineage events (at most 1000), plain or gzip.",
    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}},
}


class IngestSchema(ma.Schema):
    received = ma.fields.Integer(metadata={"description": "Events in the request"})
    stored = ma.fields.Integer(metadata={"description": "Events new to the tracker"})
    duplicates = ma.fields.Integer(metadata={"description": "Events already received: ignored"})


class GraphEdgeSchema(ma.Schema):
    origin = ma.fields.String()
    destination = ma.fields.String()


class GraphNodeSchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "dataset:<namespace>:<name> or job:..."})
    type = ma.fields.String(metadata={"description": "DATASET or JOB"})
    data = ma.fields.Dict()
    # camelCase: Marquez's field names, which its clients read.
    inEdges = ma.fields.List(ma.fields.Nested(GraphEdgeSchema))
    outEdges = ma.fields.List(ma.fields.Nested(GraphEdgeSchema))


class LineageGraphSchema(ma.Schema):
    graph = ma.fields.List(ma.fields.Nested(GraphNodeSchema))


def lineage_organization(action: Action, slug: str | None = None) -> Organization:
    """The organization the token writes or reads lineage of: lineage belongs to one, so an
    unscoped token must name it, and only to read."""
    if api_token().organization_id is None and (slug is None or action != Action.READ):
        abort(403, description=UNSCOPED)
    what = "write lineage (contributor or above)" if action != Action.READ else "read it"
    return api_organization(
        slug, action, refusal=f"Your role in this organization does not allow you to {what}."
    )


def _body() -> Any:
    mimetype = request.mimetype or ""
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        abort(415, description=f"Send JSON (Content-Type: application/json), not {mimetype}.")
    text = decode_body(request.get_data(cache=False), request.headers.get("Content-Encoding"))
    return text, load_json(text)


def _ingest(batch: bool) -> Any:
    org = lineage_organization(Action.CONTRIBUTE)
    try:
        text, body = _body()
        events = parse_batch(body) if batch else [parse_event(body, text)]
        result = ingest(org, events, api_user().id)
    except DomainError as error:
        db.session.rollback()
        return json_error(400, error.message)
    db.session.commit()
    return {"received": result.received, "stored": result.stored, "duplicates": result.duplicates}


@blp.post("")
@token_required
@blp.doc(requestBody=_EVENT_DOC)
@blp.response(201, IngestSchema)
def receive_event() -> Any:
    """Receive one OpenLineage event (the official clients' HTTP transport).

    Stores the raw event as received, maps its job and datasets to artifacts and its inputs
    and outputs to edges, and updates the run's state and times. The same event sent again
    changes nothing (`duplicates: 1`). A malformed event answers 400 and stores nothing.
    Needs a token scoped to one organization, of a contributor or above.
    """
    return _ingest(batch=False)


@blp.post("/batch")
@token_required
@blp.doc(requestBody=_BATCH_DOC)
@blp.response(201, IngestSchema)
def receive_batch() -> Any:
    """Receive a JSON array of OpenLineage events; one bad event refuses the whole batch."""
    return _ingest(batch=True)


@blp.get("")
@token_required
@blp.doc(
    parameters=[
        {
            "in": "query",
            "name": "nodeId",
            "required": True,
            "schema": {"type": "string"},
            "description": "dataset:<namespace>:<name> or job:<namespace>:<name>",
        },
        {
            "in": "query",
            "name": "depth",
            "schema": {"type": "integer", "default": DEFAULT_DEPTH, "maximum": MAX_DEPTH},
        },
        {
            "in": "query",
            "name": "org",
            "schema": {"type": "string"},
            "description": "Organization slug, only for a token not scoped to one",
        },
    ]
)
@blp.response(200, LineageGraphSchema)
def graph() -> Any:
    """The lineage graph around a node, upstream and downstream, in Marquez's shape."""
    org = lineage_organization(Action.READ, request.args.get("org") or None)
    node_id = request.args.get("nodeId", "")
    depth_text = request.args.get("depth", str(DEFAULT_DEPTH))
    if not depth_text.isdigit() or int(depth_text) > MAX_DEPTH:
        return json_error(400, f"depth: a whole number from 0 to {MAX_DEPTH}.")
    try:
        artifact = marquez.find_node(org, node_id)
    except DomainError as error:
        return json_error(400, error.message)
    if artifact is None:
        return json_error(404, f"No node {node_id} in {org.name}.")
    return {"graph": marquez.marquez_graph(artifact, int(depth_text))}
