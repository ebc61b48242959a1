"""The operations page: MTTD, MTTA, MTTR, incidents by severity, the DORA keys, and the
deployments × monitors health grid."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from governance.loaders import get_organization

bp = Blueprint("operations", __name__, url_prefix="/orgs/<slug>/operations")


@bp.get("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    return render_template("incidents/operations.html", org=org)
