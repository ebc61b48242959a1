"""The signed-in person's portfolio: every organization they belong to, on one page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from governance.dashboards.figures import portfolio_charts
from governance.permissions import visible_organization_ids
from governance.portfolio import queries as q

bp = Blueprint("portfolio", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    today = date.today()
    org_ids = visible_organization_ids(current_user)
    orgs = q.visible_organizations(org_ids)
    return render_template(
        "portfolio/index.html",
        summaries=q.organization_summaries(orgs, today),
        overdue=q.overdue_criteria(org_ids, today),
        waiting=q.criteria_waiting_on(current_user, org_ids),
        reviews=q.checkpoints_waiting_on(current_user, today),
        today=today,
        portfolio_charts=portfolio_charts(org_ids, today) if orgs else [],
    )
