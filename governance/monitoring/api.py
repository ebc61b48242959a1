"""Monitors and observations through the API (`POST /api/v1/orgs/<slug>/observations`)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "api_monitoring",
    __name__,
    url_prefix="/api/v1/orgs",
    description="Monitors on deployments and the observations sent to them",
)
