"""Organizations and their initiatives."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, url_for
from flask_smorest import Blueprint

from governance.api.auth import api_organization, api_user, token_organization_ids, token_required
from governance.api.schemas import InitiativeList, OrganizationList, PageArgs
from governance.database import utcnow
from governance.enums import PHASE_TITLES, PhaseKind
from governance.errors import ConflictError, DomainError
from governance.extensions import db
from governance.gates import phases as phase_ops
from governance.gates.models import Phase
from governance.incidents import metrics
from governance.loaders import get_initiative, get_phase
from governance.people.models import User
from governance.permissions import Action
from governance.portfolio.models import Initiative, Program
from governance.portfolio.queries import current_phase_positions, visible_organizations
from governance.web.errors import json_error

blp = Blueprint("api_orgs", __name__, url_prefix="/api/v1/orgs", description="Organizations")


PHASES = list(PhaseKind)


@blp.get("")
@token_required
@blp.response(200, OrganizationList)
def list_organizations() -> dict[str, Any]:
    """The organizations this token may see."""
    orgs = visible_organizations(token_organization_ids())
    ids = [o.id for o in orgs]
    mttr, open_incidents = metrics.headline_by_organization(ids, utcnow())
    return {
        "items": [
            {
                "slug": o.slug,
                "name": o.name,
                "mttr_minutes_90_days": mttr.get(o.id),
                "open_incidents": {
                    severity.value: count
                    for severity, count in open_incidents.get(o.id, {}).items()
                },
            }
            for o in orgs
        ]
    }


@blp.get("/<slug>/initiatives")
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, InitiativeList)
def list_initiatives(args: dict[str, Any], slug: str) -> dict[str, Any]:
    """An organization's initiatives with their stage and current phase, by id (keyset pages)."""
    org = api_organization(slug)
    cur = current_phase_positions([org.id])
    query = (
        sa.select(Initiative, Program.name, User.name, cur.c.position)
        .join(Program, Program.id == Initiative.program_id)
        .outerjoin(User, User.id == Initiative.owner_id)
        .outerjoin(cur, cur.c.initiative_id == Initiative.id)
        .where(Initiative.organization_id == org.id)
        .order_by(Initiative.id)
        .limit(args["limit"] + 1)
    )
    if args["after"] is not None:
        query = query.where(Initiative.id > args["after"])
    rows = db.session.execute(query).all()
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    items = [
        {
            "id": i.id,
            "name": i.name,
            "description": i.description,
            "program": program,
            "stage": i.stage.value,
            "risk_tier": i.risk_tier.value,
            "owner": owner,
            "current_phase": PHASES[position - 1].value if position else None,
            "url": url_for("initiatives.show", slug=org.slug, initiative_id=i.id, _external=True),
        }
        for i, program, owner, position in rows
    ]
    return {"items": items, "next_after": rows[-1][0].id if more else None}


class PhaseSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    title = ma.fields.String()
    position = ma.fields.Integer()
    status = ma.fields.String()
    owner_id = ma.fields.Integer(allow_none=True)
    owner = ma.fields.String(allow_none=True, metadata={"description": "The owner's name"})
    version = ma.fields.Integer(metadata={"description": "Send it back to change the phase"})


class PhaseList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PhaseSchema))


class PhaseOwnerInput(ma.Schema):
    owner_id = ma.fields.Integer(
        required=True,
        allow_none=True,
        strict=True,
        metadata={"description": "A member of the organization; null: nobody"},
    )
    version = ma.fields.Integer(
        load_default=None,
        strict=True,
        metadata={"description": "The phase's version you read: a stale one is refused (409)"},
    )


def _phase(p: Phase) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind.value,
        "title": PHASE_TITLES[p.kind],
        "position": p.position,
        "status": p.status.value,
        "owner_id": p.owner_id,
        "owner": p.owner.name if p.owner else None,
        "version": p.version,
    }


@blp.get("/<slug>/initiatives/<int:initiative_id>/phases")
@token_required
@blp.response(200, PhaseList)
def list_phases(slug: str, initiative_id: int) -> dict[str, Any]:
    """An initiative's seven phases, in order, with their owners."""
    initiative = get_initiative(api_organization(slug), initiative_id)
    phases = db.session.scalars(
        sa.select(Phase).where(Phase.initiative_id == initiative.id).order_by(Phase.position)
    )
    return {"items": [_phase(p) for p in phases]}


@blp.put("/<slug>/initiatives/<int:initiative_id>/phases/<int:phase_id>/owner")
@token_required
@blp.arguments(PhaseOwnerInput)
@blp.response(200, PhaseSchema)
@blp.alt_response(400, description="The owner is not a member of the organization")
@blp.alt_response(403, description="Not a leader, PMO or admin of the organization")
@blp.alt_response(409, description="The phase changed since `version`: its current values")
def set_phase_owner(data: dict[str, Any], slug: str, initiative_id: int, phase_id: int) -> Any:
    """Name a phase's owner (a member of the organization), or nobody with null."""
    org = api_organization(slug, Action.MANAGE, refusal=phase_ops.PHASE_OWNER_REFUSAL)
    phase = get_phase(get_initiative(org, initiative_id), phase_id)
    try:
        phase_ops.set_owner(phase, api_user(), data["owner_id"], data["version"])
    except DomainError as error:
        return _refused(error)
    db.session.commit()
    return _phase(phase)


def _refused(error: DomainError) -> Response:
    db.session.rollback()
    details: dict[str, Any] | None = {error.field: [error.message]} if error.field else None
    if isinstance(error, ConflictError):
        details = {"current": error.current}
    return json_error(error.status, error.message, code=error.code, details=details)
