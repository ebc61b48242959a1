"""Blueprints of the server-rendered web, one per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from governance.dashboards import views as dashboards
    from governance.decisions import views as decisions
    from governance.gates import views as checkpoints
    from governance.incidents import operations_views as operations
    from governance.incidents import views as incidents
    from governance.lineage import views as lineage
    from governance.maturity import organization_views as objectives
    from governance.maturity import views as maturity
    from governance.monitoring import views as monitors
    from governance.people import admin_views as admin
    from governance.people import views as auth
    from governance.portfolio import initiative_views as initiatives
    from governance.portfolio import organization_views as organizations
    from governance.portfolio import views as portfolio
    from governance.risks import views as risks
    from governance.web import assets, health

    for area in (
        health,
        assets,
        auth,
        portfolio,
        organizations,
        initiatives,
        admin,
        decisions,
        checkpoints,
        lineage,
        dashboards,
        maturity,
        objectives,
        risks,
        operations,
        incidents,
        monitors,
    ):
        app.register_blueprint(area.bp)
    app.before_request(criteria_current)


def criteria_current() -> None:
    """Before any page or API answer reads an exit criterion's state: evaluate again the rule
    results whose time is up (a KPI's freshness window ran out overnight), so no page shows a
    result that the date alone has made wrong. One indexed query when none is due."""
    from flask import request

    from governance.extensions import db
    from governance.gates.state import refresh_expired

    # What reads no exit criterion (files, health, the API's description) asks nothing of the
    # database: it keeps answering while the database is down.
    if request.blueprint in (None, "health", "assets", "api-docs") or request.endpoint in (
        "static",
        "dashboards.favicon",
    ):
        return
    if refresh_expired():
        db.session.commit()
