"""The decision log over the API: read it (filtered, keyset pages) and record decisions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask_smorest import Blueprint

from governance.api.auth import api_organization, api_user, token_required
from governance.api.schemas import Day, Id, Name, Text, WholeNumber
from governance.decisions import operations as ops
from governance.decisions import queries as dq
from governance.decisions.chain import hashed_entry
from governance.decisions.models import LIST_FIELDS, Decision
from governance.enums import DecisionImpact, DecisionStatus, PhaseKind
from governance.errors import DomainError
from governance.extensions import db
from governance.permissions import Action
from governance.portfolio.models import Initiative
from governance.web.errors import json_error

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
    try:
        initiative = None
        if data["initiative_id"] is not None:
            initiative = db.session.get(Initiative, data["initiative_id"])
            if initiative is None or initiative.organization_id != org.id:
                raise DomainError("No such initiative in this organization.", field="initiative_id")
        phase = None
        if data["phase"]:
            if initiative is None:
                raise DomainError("Give the initiative of this phase.", field="phase")
            phase = next(p for p in initiative.phases if p.kind == PhaseKind(data["phase"]))
        supersedes = None
        if data["supersedes_id"] is not None:
            supersedes = db.session.get(Decision, data["supersedes_id"])
            if supersedes is None or supersedes.organization_id != org.id:
                raise DomainError("No such decision in this organization.", field="supersedes_id")
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
        db.session.rollback()
        details = {error.field: [error.message]} if error.field else None
        return json_error(error.status, error.message, code=error.code, details=details)
    db.session.commit()
    return _out(entry, org.slug)
