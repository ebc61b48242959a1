"""An organization's incidents: the list (open first) and each incident's page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from governance.loaders import get_organization

bp = Blueprint("incidents", __name__, url_prefix="/orgs/<slug>/incidents")


@bp.get("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    return render_template("incidents/index.html", org=org)
