"""The dashboards' figures as JSON: the same Plotly spec and table the pages embed."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask import abort
from flask_smorest import Blueprint

from governance.api.auth import api_organization, token_organization_ids, token_required
from governance.dashboards import figures

blp = Blueprint(
    "api_dashboards", __name__, url_prefix="/api/v1", description="Dashboards (Plotly figures)"
)


class TableSchema(ma.Schema):
    columns = ma.fields.List(ma.fields.String())
    rows = ma.fields.List(ma.fields.List(ma.fields.Raw()))


class FigureSchema(ma.Schema):
    key = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String()
    figure = ma.fields.Dict(
        metadata={"description": "A Plotly figure: {data: [...], layout: {...}}"}
    )
    table = ma.fields.Nested(TableSchema, metadata={"description": "The numbers drawn"})


class FigureLink(ma.Schema):
    key = ma.fields.String()
    title = ma.fields.String()


class FigureList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FigureLink))


@blp.get("/orgs/<slug>/dashboard")
@token_required
@blp.response(200, FigureList)
def organization_dashboard(slug: str) -> dict[str, Any]:
    """The figures of an organization's dashboard, every one computed now."""
    org = api_organization(slug)
    charts = figures.organization_charts(org.id, date.today())
    return {"items": [{"key": c.key, "title": c.title} for c in charts]}


@blp.get("/orgs/<slug>/dashboard/<figure>")
@token_required
@blp.response(200, FigureSchema)
def organization_figure(slug: str, figure: str) -> dict[str, Any]:
    """One figure of an organization's dashboard, with its data table."""
    org = api_organization(slug)
    build = figures.ORGANIZATION_FIGURES.get(figure)
    if build is None:
        abort(404, description=f"No figure {figure}: see /api/v1/orgs/{slug}/dashboard.")
    return build(figures.Scope(date.today(), org_id=org.id)).as_json()


@blp.get("/dashboard/<figure>")
@token_required
@blp.response(200, FigureSchema)
def portfolio_figure(figure: str) -> dict[str, Any]:
    """One cross-client figure over the organizations this token may see."""
    build = figures.PORTFOLIO_FIGURES.get(figure)
    if build is None:
        keys = ", ".join(figures.PORTFOLIO_FIGURES)
        abort(404, description=f"No figure {figure}: one of {keys}.")
    return build(figures.Scope(date.today(), org_ids=token_organization_ids())).as_json()
