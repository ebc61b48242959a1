"""The incidents API's blueprint, shared by the webhook (api.py) and the incident routes
(api_incidents.py); registered as `governance.incidents.api.blp`."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "api_incidents",
    __name__,
    url_prefix="/api/v1",
    description="Incidents, Alertmanager's webhook, and the operations figures",
)
