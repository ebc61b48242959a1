"""The decision log over the API: read it (filtered, keyset pages) and record decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask import Response, url_for
from flask_smorest import Blueprint, abort
from werkzeug.exceptions import NotFound

from governance.api.auth import api_organization, api_user, token_required
from governance.api.schemas import Day, Id, Name, Text, WholeNumber
from governance.decisions import operations as ops
from governance.decisions import queries as dq
from governance.decisions.chain import hashed_entry
from governance.decisions.models import LIST_FIELDS, Decision
from governance.enums import DecisionImpact, DecisionStatus, PhaseKind
from governance.errors import AlreadyDecided, ConflictError, DomainError
from governance.extensions import db
from governance.loaders import get_checkpoint, get_decision, get_initiative
from governance.permissions import Action
from governance.web.errors import json_error

T = TypeVar("T")

blp = Blueprint("api_decisions", __name__, url_prefix="/api/v1/orgs", description="Decision log")


_STRINGS = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)), load_default=list)


class DecisionSchema(ma.Schema):
    """A decision log entry: every hashed field, its hashes, and a link to its page."""

    id = ma.fields.Integer()
    organization = ma.fields.String()
    organization_id = ma.fields.Integer()
    seq = ma.fields.Integer()
    prev_hash = ma.fields.String()
    hash = ma.fields.String()
    thread_id = ma.fields.Integer(metadata={"description": "The decision's first entry"})
    revises_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    change = ma.fields.String(
        metadata={"description": "recorded, approval, status_change or correction"}
    )
    title = ma.fields.String()
    status = ma.fields.String()
    impact = ma.fields.String()
    context = ma.fields.String()
    decision_drivers = ma.fields.List(ma.fields.String())
    considered_options = ma.fields.List(ma.fields.String())
    decision = ma.fields.String()
    rationale = ma.fields.String()
    consequences = ma.fields.String()
    confirmation = ma.fields.String()
    decision_makers = ma.fields.List(ma.fields.String())
    consulted = ma.fields.List(ma.fields.String())
    informed = ma.fields.List(ma.fields.String())
    note = ma.fields.String()
    initiative_id = ma.fields.Integer(allow_none=True)
    phase_id = ma.fields.Integer(allow_none=True)
    checkpoint_id = ma.fields.Integer(allow_none=True)
    supersedes_id = ma.fields.Integer(allow_none=True)
    risk_refs = ma.fields.List(ma.fields.String())
    artifact_refs = ma.fields.List(ma.fields.String())
    details = ma.fields.Dict()
    decided_by_id = ma.fields.Integer()
    decided_by_name = ma.fields.String()
    approved_by_id = ma.fields.Integer(allow_none=True)
    approved_by_name = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(metadata={"description": "UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ"})
    url = ma.fields.String()


class DecisionList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DecisionSchema))
    next_after = ma.fields.Integer(
        allow_none=True, metadata={"description": "Pass as `after` to get the next page"}
    )
    head_seq = ma.fields.Integer(allow_none=True)
    head_hash = ma.fields.String(allow_none=True)


class DecisionArgs(ma.Schema):
    limit = WholeNumber(load_default=50, validate=ma.validate.Range(min=1, max=200))
    after = Id(
        load_default=None, allow_none=True, metadata={"description": "Entries before this seq"}
    )
    initiative = Id(load_default=None)
    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([s.value for s in DecisionStatus])
    )
    impact = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([i.value for i in DecisionImpact])
    )
    person = Id(load_default=None, metadata={"description": "User id who decided or approved"})
    date_from = Day(load_default=None)
    date_to = Day(load_default=None)
    q = Text(load_default="", validate=ma.validate.Length(max=200))
    entries = ma.fields.String(
        load_default="current",
        validate=ma.validate.OneOf(["current", "all"]),
        metadata={"description": "current: each decision as it stands; all: every entry"},
    )


class DecisionInput(ma.Schema):
    title = Name(required=True, validate=ma.validate.Length(min=1, max=200))
    context = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20000))
    decision = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20000))
    rationale = ma.fields.String(load_default="", validate=ma.validate.Length(max=20000))
    status = ma.fields.String(
        load_default="accepted",
        validate=ma.validate.OneOf(["proposed", "accepted", "rejected"]),
        metadata={"description": "A high-impact decision sent as accepted is stored as proposed"},
    )
    impact = ma.fields.String(
        load_default="normal", validate=ma.validate.OneOf([i.value for i in DecisionImpact])
    )
    kind = ma.fields.String(load_default="general", validate=ma.validate.Length(min=1, max=40))
    initiative_id = Id(load_default=None, allow_none=True)
    phase = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf([k.value for k in PhaseKind]),
        metadata={"description": "A phase of the initiative, by kind"},
    )
    checkpoint_id = Id(load_default=None, allow_none=True)
    supersedes_id = Id(load_default=None, allow_none=True)
    consequences = ma.fields.String(load_default="", validate=ma.validate.Length(max=20000))
    confirmation = ma.fields.String(load_default="", validate=ma.validate.Length(max=20000))
    decision_drivers = _STRINGS
    considered_options = _STRINGS
    decision_makers = _STRINGS
    consulted = _STRINGS
    informed = _STRINGS
    risk_refs = _STRINGS
    artifact_refs = _STRINGS
    details = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


def _out(entry: Decision, slug: str) -> dict[str, Any]:
    data = hashed_entry(entry, slug)
    data["url"] = url_for("decisions.show", slug=slug, seq=entry.seq, _external=True)
    return data


@blp.get("/<slug>/decisions")
@token_required
@blp.arguments(DecisionArgs, location="query")
@blp.response(200, DecisionList)
def list_decisions(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """The decision log, newest first, in keyset pages (`after` = the last seq you got)."""
    org = api_organization(slug)
    filters = dq.LogFilters(
        initiative_id=args["initiative"],
        status=DecisionStatus(args["status"]) if args["status"] else None,
        impact=DecisionImpact(args["impact"]) if args["impact"] else None,
        person_id=args["person"],
        date_from=args["date_from"],
        date_to=args["date_to"],
        q=args["q"].strip(),
        every_entry=args["entries"] == "all",
    )
    page = dq.log_page(org, filters, after=args["after"], limit=args["limit"])
    return {
        "items": [_out(row.entry, org.slug) for row in page.rows],
        "next_after": page.next_after,
        "head_seq": page.head.seq if page.head else None,
        "head_hash": page.head.hash if page.head else None,
    }


@blp.post("/<slug>/decisions")
@token_required
@blp.arguments(DecisionInput)
@blp.response(201, DecisionSchema)
@blp.alt_response(400, description="Refused by a rule; nothing was recorded")
def create_decision(data: dict[str, Any], slug: str) -> Any:
    """Record a decision (contributor and up). Answers the new entry with its hashes."""
    org = api_organization(slug, Action.PROPOSE_DECISION)
    # Every id in the body names a record of this organization: 404 naming the field.
    initiative = _body_ref(get_initiative, org, data["initiative_id"], "initiative_id")
    supersedes = _body_ref(get_decision, org, data["supersedes_id"], "supersedes_id")
    _body_ref(get_checkpoint, org, data["checkpoint_id"], "checkpoint_id")
    try:
        phase = None
        if data["phase"]:
            if initiative is None:
                raise DomainError("Give the initiative of this phase.", field="phase")
            phase = next(p for p in initiative.phases if p.kind == PhaseKind(data["phase"]))
        entry = ops.record_decision(
            org,
            api_user(),
            title=data["title"],
            context=data["context"],
            decision=data["decision"],
            rationale=data["rationale"],
            status=DecisionStatus(data["status"]),
            impact=DecisionImpact(data["impact"]),
            initiative=initiative,
            phase=phase,
            checkpoint_id=data["checkpoint_id"],
            supersedes=supersedes,
            kind=data["kind"],
            details=data["details"],
            **{name: data[name] for name in (*ops.TEXT_FIELDS, *LIST_FIELDS)},
        )
    except DomainError as error:
        return _refused(error, org.slug)
    db.session.commit()
    return _out(entry, org.slug)


def _refused(error: DomainError, slug: str, entry: Decision | None = None) -> Response:
    db.session.rollback()
    details: dict[str, Any] | None = {error.field: [error.message]} if error.field else None
    if entry is not None and isinstance(error, ConflictError | AlreadyDecided):
        # What the decision says now, so the client can show it and decide again.
        details = {**(details or {}), "current": _out(dq.current_entry(entry), slug)}
    return json_error(error.status, error.message, code=error.code, details=details)


def _body_ref(loader: Callable[[Any, int], T], org: Any, value: int | None, field: str) -> T | None:
    if value is None:
        return None
    try:
        return loader(org, value)
    except NotFound as missing:
        abort(404, message=f"{field}: {missing.description}")
    raise AssertionError  # abort() raised


class ApprovalInput(ma.Schema):
    version = ma.fields.Integer(
        required=True,
        metadata={"description": "The seq of the entry you approve (the decision's latest)"},
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))


class CorrectionInput(ma.Schema):
    version = ma.fields.Integer(
        required=True,
        metadata={"description": "The seq of the entry the correction started from"},
    )
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    context = ma.fields.String(validate=ma.validate.Length(min=1, max=20000))
    decision = ma.fields.String(validate=ma.validate.Length(min=1, max=20000))
    rationale = ma.fields.String(validate=ma.validate.Length(max=20000))
    impact = ma.fields.String(validate=ma.validate.OneOf([i.value for i in DecisionImpact]))
    consequences = ma.fields.String(validate=ma.validate.Length(max=20000))
    confirmation = ma.fields.String(validate=ma.validate.Length(max=20000))
    decision_drivers = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)))
    considered_options = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)))
    decision_makers = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)))
    consulted = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)))
    informed = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)))
    risk_refs = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)))
    artifact_refs = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)))


def _decision(org: Any, seq: int) -> Decision:
    entry = dq.entry_by_seq(org, seq)
    if entry is None:
        abort(404, message="No such decision in this organization's log.")
    assert entry is not None  # abort() raised
    return entry


@blp.post("/<slug>/decisions/<int:seq>/approval")
@token_required
@blp.arguments(ApprovalInput)
@blp.response(201, DecisionSchema)
@blp.alt_response(409, description="Already decided, or changed since `version`")
def approve(data: dict[str, Any], slug: str, seq: int) -> Any:
    """A second person approves a decision waiting for one (leader, PMO or admin, never an
    author of what waits). Answers the approval entry."""
    org = api_organization(slug, Action.DECIDE)
    entry = _decision(org, seq)
    try:
        new = ops.approve_decision(entry, api_user(), note=data["note"], version=data["version"])
    except DomainError as error:
        return _refused(error, org.slug, entry)
    db.session.commit()
    return _out(new, org.slug)


@blp.post("/<slug>/decisions/<int:seq>/corrections")
@token_required
@blp.arguments(CorrectionInput)
@blp.response(201, DecisionSchema)
@blp.alt_response(409, description="Someone changed the decision since `version`")
def correct(data: dict[str, Any], slug: str, seq: int) -> Any:
    """Correct a decision: the fields given change, the others stay. A correction of a
    high-impact decision is proposed until a second person approves it."""
    org = api_organization(slug, Action.PROPOSE_DECISION)
    entry = _decision(org, seq)
    changes = {k: v for k, v in data.items() if k not in ("version", "note")}
    if "impact" in changes:
        changes["impact"] = DecisionImpact(changes["impact"])
    try:
        new = ops.correct_decision(
            entry, api_user(), note=data["note"], version=data["version"], **changes
        )
    except DomainError as error:
        return _refused(error, org.slug, entry)
    db.session.commit()
    return _out(new, org.slug)
