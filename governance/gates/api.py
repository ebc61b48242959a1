"""Checkpoints over the API: list, request, decide. The same operations and rules as the web."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, url_for
from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload

from governance.api.auth import api_organization, api_user, token_required
from governance.api.schemas import Id, PageArgs, Text
from governance.enums import CheckpointStatus
from governance.errors import DomainError
from governance.extensions import db
from governance.gates import checkpoints as ops
from governance.gates.assessment import subject_of
from governance.gates.models import Checkpoint, ExitCriterion
from governance.gates.queries import after_checkpoint, criteria_of, page_ids
from governance.gates.state import stored_result
from governance.loaders import get_checkpoint, get_initiative, get_phase, get_stage_gate
from governance.permissions import Action
from governance.web.errors import json_error

blp = Blueprint(
    "api_checkpoints",
    __name__,
    url_prefix="/api/v1/orgs",
    description="Checkpoints: phase completion and stage-gate reviews",
)


class CheckpointSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "phase or stage_gate"})
    subject = ma.fields.String(metadata={"description": "What the checkpoint reviews"})
    initiative_id = ma.fields.Integer()
    phase = ma.fields.String(allow_none=True, metadata={"description": "The phase's kind"})
    stage_gate = ma.fields.Dict(allow_none=True, metadata={"description": "from and to stage"})
    status = ma.fields.String(
        metadata={"description": "pending, approved, rejected or changes_requested"}
    )
    requested_by = ma.fields.String()
    requested_at = ma.fields.DateTime()
    request_note = ma.fields.String()
    decided_by = ma.fields.String(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_comment = ma.fields.String()
    decision_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The decision-log entry of the outcome"}
    )
    approved_snapshot_sha256 = ma.fields.String(
        allow_none=True,
        metadata={"description": "SHA-256 of the exit criteria as approved (see the decision)"},
    )
    url = ma.fields.String()


class CheckpointList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CheckpointSchema))
    next_after = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Pass as `after` to get the next page; null on the last page"},
    )


class CheckpointFilter(PageArgs):
    after = Id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The id of the last checkpoint received: the page starts after its"
            " (requested_at, id)"
        },
    )
    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([s.value for s in CheckpointStatus])
    )
    initiative_id = Id(load_default=None)


class CheckpointRequest(ma.Schema):
    initiative_id = Id(required=True)
    phase_id = Id(
        load_default=None, metadata={"description": "The phase to complete (or stage_gate_id)"}
    )
    stage_gate_id = Id(
        load_default=None, metadata={"description": "The stage gate to pass (or phase_id)"}
    )
    note = Text(required=True, validate=ma.validate.Length(min=1, max=4000))

    @ma.validates_schema
    def one_target(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("phase_id") is None) == (data.get("stage_gate_id") is None):
            raise ma.ValidationError("Give either phase_id or stage_gate_id.", "phase_id")


class CheckpointDecision(ma.Schema):
    outcome = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["approved", "rejected", "changes_requested"]),
    )
    comment = Text(load_default="", validate=ma.validate.Length(max=4000))


def _dump(c: Checkpoint) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind.value,
        "subject": subject_of(c.phase, c.stage_gate, c.initiative),
        "initiative_id": c.initiative_id,
        "phase": c.phase.kind.value if c.phase else None,
        "stage_gate": {"from": c.stage_gate.from_stage.value, "to": c.stage_gate.to_stage.value}
        if c.stage_gate
        else None,
        "status": c.status.value,
        "requested_by": c.requested_by.name,
        "requested_at": c.requested_at,
        "request_note": c.request_note,
        "decided_by": c.decided_by.name if c.decided_by else None,
        "decided_at": c.decided_at,
        "decision_comment": c.decision_comment,
        "decision_id": c.decision_id,
        "approved_snapshot_sha256": c.approved_snapshot_sha256,
        "url": url_for(
            "checkpoints.show", slug=c.organization.slug, checkpoint_id=c.id, _external=True
        ),
    }


def _refused(error: DomainError) -> Response:
    db.session.rollback()
    details = {error.field: [error.message]} if error.field else None
    return json_error(error.status, error.message, code=error.code, details=details)


@blp.get("/<slug>/checkpoints")
@token_required
@blp.arguments(CheckpointFilter, location="query")
@blp.response(200, CheckpointList)
@blp.alt_response(400, description="`after` is not a checkpoint of this organization")
def list_checkpoints(args: dict[str, Any], slug: str) -> Any:
    """An organization's checkpoints, oldest request first, in keyset pages (`after` = the id
    of the last checkpoint you got); filter by status or initiative."""
    org = api_organization(slug)
    where = [Checkpoint.organization_id == org.id]
    keyset = None
    if args["after"] is not None:
        keyset = after_checkpoint(args["after"], Checkpoint.organization_id == org.id)
        if keyset is None:
            return json_error(400, "`after` is not a checkpoint of this organization.")
    if args["status"]:
        where.append(Checkpoint.status == args["status"])
    if args["initiative_id"] is not None:
        where.append(Checkpoint.initiative_id == args["initiative_id"])
    query = (
        sa.select(Checkpoint)
        .where(Checkpoint.id.in_(page_ids(where, keyset, args["limit"] + 1)))
        .options(
            joinedload(Checkpoint.phase),
            joinedload(Checkpoint.stage_gate),
            joinedload(Checkpoint.initiative),
            joinedload(Checkpoint.requested_by),
            joinedload(Checkpoint.decided_by),
            joinedload(Checkpoint.organization),
        )
        .order_by(Checkpoint.requested_at, Checkpoint.id)
    )
    rows = list(db.session.scalars(query).unique())
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return {"items": [_dump(c) for c in rows], "next_after": rows[-1].id if more else None}


@blp.post("/<slug>/checkpoints")
@token_required
@blp.arguments(CheckpointRequest)
@blp.response(201, CheckpointSchema)
@blp.alt_response(400, description="Refused: the message says why (e.g. open criteria)")
def request_checkpoint(data: dict[str, Any], slug: str) -> Any:
    """Request a checkpoint for a phase's completion or a stage promotion."""
    org = api_organization(slug, Action.REQUEST_CHECKPOINT)
    initiative = get_initiative(org, data["initiative_id"])
    try:
        if data["phase_id"] is not None:
            phase = get_phase(initiative, data["phase_id"])
            checkpoint = ops.request_phase_checkpoint(phase, api_user(), data["note"])
        else:
            gate = get_stage_gate(initiative, data["stage_gate_id"])
            checkpoint = ops.request_stage_gate_checkpoint(gate, api_user(), data["note"])
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return _dump(checkpoint)


@blp.post("/<slug>/checkpoints/<int:checkpoint_id>/decision")
@token_required
@blp.arguments(CheckpointDecision)
@blp.response(200, CheckpointSchema)
@blp.alt_response(400, description="Refused: open criteria, already decided, no comment")
@blp.alt_response(403, description="Not a leader, PMO or admin, or the requester")
def decide_checkpoint(data: dict[str, Any], slug: str, checkpoint_id: int) -> Any:
    """Approve, reject or request changes, with a comment (required unless approving)."""
    org = api_organization(slug, Action.DECIDE)
    checkpoint = get_checkpoint(org, checkpoint_id)
    try:
        ops.decide(checkpoint, api_user(), data["outcome"], data["comment"])
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return _dump(checkpoint)


class CriterionSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    phase = ma.fields.String(allow_none=True, metadata={"description": "The phase's kind"})
    stage_gate_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(
        metadata={"description": "met, open or waived: the same state every page shows"}
    )
    evaluated = ma.fields.Boolean(
        metadata={"description": "A registered rule decides it (rather than evidence)"}
    )
    rule = ma.fields.String(allow_none=True)
    failures = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "The records that fail its rule, and why"}
    )
    owner_id = ma.fields.Integer(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)


class CriterionList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CriterionSchema))


@blp.get("/<slug>/initiatives/<int:initiative_id>/criteria")
@token_required
@blp.response(200, CriterionList)
def list_criteria(slug: str, initiative_id: int) -> Any:
    """An initiative's exit criteria (its phases', then its stage gates') with their state."""
    org = api_organization(slug)
    initiative = get_initiative(org, initiative_id)
    return {"items": [_dump_criterion(c, kind) for c, kind in criteria_of(initiative)]}


def _dump_criterion(c: ExitCriterion, phase_kind: Any) -> dict[str, Any]:
    result = stored_result(c)
    return {
        "id": c.id,
        "title": c.title,
        "phase": phase_kind.value if phase_kind is not None else None,
        "stage_gate_id": c.stage_gate_id,
        "status": c.state.value,
        "evaluated": result is not None,
        "rule": c.rule,
        "failures": [{"record": f.record, "reason": f.reason} for f in result.failures]
        if result is not None
        else [],
        "owner_id": c.owner_id,
        "due_on": c.due_on,
    }
