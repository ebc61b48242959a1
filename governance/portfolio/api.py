"""Organizations and their initiatives."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_smorest import Blueprint

from governance.api.auth import api_organization, token_organization_ids, token_required
from governance.api.schemas import InitiativeList, OrganizationList, PageArgs
from governance.enums import PhaseKind
from governance.extensions import db
from governance.people.models import User
from governance.portfolio.models import Initiative, Program
from governance.portfolio.queries import current_phase_positions, visible_organizations

blp = Blueprint("api_orgs", __name__, url_prefix="/api/v1/orgs", description="Organizations")


PHASES = list(PhaseKind)


@blp.get("")
@token_required
@blp.response(200, OrganizationList)
def list_organizations() -> dict[str, Any]:
    """The organizations this token may see."""
    orgs = visible_organizations(token_organization_ids())
    return {"items": [{"slug": o.slug, "name": o.name} for o in orgs]}


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
