"""Dashboards: an organization's figures, the portfolio's, their CSV, and plotly.js itself.

Pages embed each figure's JSON in a <script type="application/json"> block that
static/charts.js draws, so the Content-Security-Policy stays `script-src 'self'`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, render_template, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from governance.dashboards import charts, figures
from governance.dashboards.charts import Chart
from governance.loaders import get_organization
from governance.permissions import visible_organization_ids

bp = Blueprint("dashboards", __name__)


@bp.get("/orgs/<slug>/dashboard")
@login_required
def organization(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    today = date.today()
    return render_template(
        "dashboards/organization.html",
        org=org,
        today=today,
        charts=figures.organization_charts(org.id, today),
    )


@bp.get("/orgs/<slug>/dashboard/<figure>.csv")
@login_required
def organization_csv(slug: str, figure: str) -> ResponseReturnValue:
    return csv_download(*_organization_chart(slug, figure))


@bp.get("/dashboard/<figure>.csv")
@login_required
def portfolio_csv(figure: str) -> ResponseReturnValue:
    return csv_download(*_portfolio_chart(figure))


def _organization_chart(slug: str, figure: str) -> tuple[Chart, str]:
    """One figure of an organization the person may see, and its download's name."""
    org = get_organization(slug)
    build = figures.ORGANIZATION_FIGURES.get(figure) or abort(404)
    return build(figures.Scope(date.today(), org_id=org.id)), f"{org.slug}-{figure}"


def _portfolio_chart(figure: str) -> tuple[Chart, str]:
    """One cross-client figure over the organizations the person may see."""
    build = figures.PORTFOLIO_FIGURES.get(figure) or abort(404)
    scope = figures.Scope(date.today(), org_ids=visible_organization_ids(current_user))
    return build(scope), f"portfolio-{figure}"


# The figure JSON for a signed-in browser: the same body as the API's
# /api/v1/orgs/<slug>/dashboard/<figure> and /api/v1/dashboard/<figure> (which take a Bearer
# token only, so a page linking them got 401), under the page's own permission, beside the CSV.
@bp.get("/orgs/<slug>/dashboard/<figure>.json")
@login_required
def organization_json(slug: str, figure: str) -> ResponseReturnValue:
    return json_download(*_organization_chart(slug, figure))


@bp.get("/dashboard/<figure>.json")
@login_required
def portfolio_json(figure: str) -> ResponseReturnValue:
    return json_download(*_portfolio_chart(figure))


def json_download(chart: Chart, name: str) -> Response:
    """A figure as JSON (the operations page serves its figures through here too)."""
    response = jsonify(chart.as_json())
    response.headers["Content-Disposition"] = f'inline; filename="{name}.json"'
    return response


def csv_download(chart: Chart, name: str) -> Response:
    response = Response(chart.csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# Tables beside figures render their cells as the charts' own HTML tables do.
bp.add_app_template_filter(charts.cell, "cell")


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for it on every page; without one the console logs a 404 each time."""
    from flask import current_app

    path = Path(current_app.static_folder or "") / "favicon.svg"
    return send_file(path, mimetype="image/svg+xml", max_age=7 * 86400)
