"""An organization's objectives and KPIs, across its initiatives (each initiative's own page
is where they are added and measured: governance/maturity/views.py)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from governance.loaders import get_organization
from governance.maturity.queries import organization_objectives

bp = Blueprint("objectives", __name__)


@bp.get("/orgs/<slug>/objectives")
@login_required
def index(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    return render_template(
        "maturity/organization.html", org=org, overview=organization_objectives(org)
    )
