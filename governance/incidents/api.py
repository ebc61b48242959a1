"""Incidents through the API, and Alertmanager's webhook (`POST /api/v1/alerts/alertmanager`)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "api_incidents",
    __name__,
    url_prefix="/api/v1",
    description="Incidents, Alertmanager's webhook, and the operations figures",
)
