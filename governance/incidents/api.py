"""Incidents through the API, and Alertmanager's webhook (`POST /api/v1/alerts/alertmanager`).

The webhook needs a token scoped to one organization (incidents belong to one) of a
contributor or above: `flask --app governance create-token EMAIL --org SLUG`, given to
Alertmanager as `http_config.authorization.credentials`.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, request
from sqlalchemy.exc import IntegrityError

from governance.api.auth import api_organization, api_token, token_required
from governance.database import utcnow
from governance.extensions import db
from governance.incidents import alert_intake, api_incidents
from governance.incidents.alertmanager import MAX_ALERTS, PayloadError, parse_notification
from governance.incidents.api_blueprint import blp
from governance.incidents.api_schemas import WEBHOOK_BODY, WebhookResult
from governance.permissions import Action
from governance.portfolio.models import Organization
from governance.web.errors import json_error

UNSCOPED = (
    "This API token is not scoped to an organization, and incidents belong to one. "
    "Create a scoped token: flask --app governance create-token EMAIL --org SLUG."
)


def _payload() -> Any:
    mimetype = request.mimetype or ""
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        abort(415, description=f"Send JSON (Content-Type: application/json), not {mimetype}.")
    data = request.get_data(cache=False)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError("The body is not UTF-8 text.") from error
    if not text.strip():
        raise PayloadError("The body is empty: send Alertmanager's webhook payload as JSON.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PayloadError(
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from error
    except RecursionError as error:
        raise PayloadError(
            "The body is nested too deeply to be an Alertmanager payload."
        ) from error


@blp.post("/alerts/alertmanager")
@token_required
@blp.doc(requestBody=WEBHOOK_BODY)
@blp.response(200, WebhookResult)
@blp.alt_response(400, description="A field is wrong (named in the message); nothing recorded")
@blp.alt_response(403, description="Token not scoped to an organization, or not a contributor")
def alertmanager_webhook() -> Any:
    """Receive an Alertmanager notification (webhook_config, version 4).

    Each alert opens an incident, attaches to the open one with its fingerprint, or records
    its recovery; a notification sent again changes nothing. Answers what each alert did.
    The whole payload is checked first: a wrong field answers 400 naming it, and nothing is
    recorded. Needs a token scoped to one organization, of a contributor or above.
    """
    if api_token().organization_id is None:
        abort(403, description=UNSCOPED)
    org = api_organization(
        None,
        Action.CONTRIBUTE,
        refusal="Your role in this organization does not allow you to open incidents "
        "(contributor or above).",
    )
    now = utcnow()
    try:
        notification = parse_notification(_payload(), now)
    except PayloadError as error:
        return json_error(400, error.message)
    org_id = org.id
    for attempt in (1, 2):
        try:
            outcomes = alert_intake.receive(org, notification, now)
            db.session.commit()
            break
        except IntegrityError:
            # The same notification arrived twice at once (an HA pair, a retry): the other
            # request recorded it first. Once more, its alerts are now replays.
            db.session.rollback()
            org = db.get_or_404(Organization, org_id)
            if attempt == 2:
                raise
    return {
        "organization": org.slug,
        "received": len(notification.alerts),
        "truncated_alerts": notification.truncated_alerts,
        "max_alerts": MAX_ALERTS,
        "alerts": [vars(outcome) for outcome in outcomes],
    }


# The incident routes are on the same blueprint, in their own module.
__all__ = ["api_incidents", "blp"]
