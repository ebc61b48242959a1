"""The operations page: MTTD, MTTA, MTTR, incidents by severity, the DORA keys, and the
deployments × monitors health grid; each figure's CSV and JSON through the dashboards' own
downloads. Optional `?initiative=<id>` / `?deployment=<id>` narrow the figures and tiles."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from governance.dashboards.charts import Chart
from governance.dashboards.views import csv_download, json_download
from governance.database import utcnow
from governance.enums import Severity
from governance.incidents import dora, figures, health_grid, metrics
from governance.incidents.metrics import Filters
from governance.loaders import get_operations_filters, get_organization
from governance.portfolio.models import Organization
from governance.web.inputs import query_int

bp = Blueprint("operations", __name__, url_prefix="/orgs/<slug>/operations")


@bp.get("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    now = utcnow()
    initiatives = health_grid.initiative_names(org.id)
    deployments = health_grid.deployment_rows(org.id, now)
    names = {d.id: d.name for d in deployments}
    asked = (request.args.get("initiative", ""), request.args.get("deployment", ""))
    initiative_id, deployment_id = query_int("initiative"), query_int("deployment")
    if initiative_id not in initiatives:
        initiative_id = None
    if deployment_id not in names:
        deployment_id = None
    ignored = (bool(asked[0]) and initiative_id is None) or (
        bool(asked[1]) and deployment_id is None
    )
    filters = Filters(initiative_id, deployment_id)
    report = figures.report(org.id, org.mttr_target_minutes, now, filters)
    query = {k: v for k, v in (("initiative", initiative_id), ("deployment", deployment_id)) if v}
    return render_template(
        "incidents/operations.html",
        org=org,
        report=report,
        charts=[build(report) for build in figures.FIGURES.values()],
        query=query,
        ignored=ignored,
        initiatives=initiatives,
        deployments=deployments,
        deployment_names=names,
        by_initiative=health_grid.initiative_rows(org.id, now, initiatives),
        severities=list(Severity),
        headline_days=metrics.HEADLINE_DAYS,
        failure_days=dora.CHANGE_FAILURE_DAYS,
    )


def _chart(slug: str, figure: str) -> tuple[Chart, str]:
    """One figure of the operations page, narrowed as the page was; 404 for a filter that is
    not this organization's (a download names exactly what it holds)."""
    org: Organization = get_organization(slug)
    build = figures.FIGURES.get(figure) or abort(404)
    filters = get_operations_filters(org, query_int("initiative"), query_int("deployment"))
    report = figures.report(org.id, org.mttr_target_minutes, utcnow(), filters)
    return build(report), f"{org.slug}-operations-{figure}"


@bp.get("/<figure>.csv")
@login_required
def figure_csv(slug: str, figure: str) -> ResponseReturnValue:
    return csv_download(*_chart(slug, figure))


@bp.get("/<figure>.json")
@login_required
def figure_json(slug: str, figure: str) -> ResponseReturnValue:
    return json_download(*_chart(slug, figure))
