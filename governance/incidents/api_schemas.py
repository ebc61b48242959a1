"""The shapes the incidents API and Alertmanager's webhook accept and answer (OpenAPI)."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma

from governance.api.schemas import Id, Name, Text, WholeNumber
from governance.enums import IncidentStatus, Severity

_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
_TIME = {"type": "string", "format": "date-time"}

# Documented by hand: the body is checked by governance.incidents.alertmanager, whose
# messages name fields the way Alertmanager's users read them (`alerts[2].startsAt`).
WEBHOOK_BODY = {
    "required": True,
    "description": "Alertmanager's webhook notification, version 4, as Alertmanager sends it.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["version", "status", "alerts"],
                "properties": {
                    "version": {"type": "string", "enum": ["4"]},
                    "groupKey": {"type": "string"},
                    "truncatedAlerts": {"type": "integer", "minimum": 0},
                    "status": {"type": "string", "enum": ["firing", "resolved"]},
                    "receiver": {"type": "string"},
                    "groupLabels": _STRINGS,
                    "commonLabels": _STRINGS,
                    "commonAnnotations": _STRINGS,
                    "externalURL": {"type": "string"},
                    "alerts": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1000,
                        "items": {
                            "type": "object",
                            "required": ["status", "labels", "startsAt"],
                            "properties": {
                                "status": {"type": "string", "enum": ["firing", "resolved"]},
                                "labels": {
                                    **_STRINGS,
                                    "description": "`monitor` (a monitor's key) or "
                                    "`deployment` (a deployment's name) match; `severity` "
                                    "sets the severity",
                                },
                                "annotations": _STRINGS,
                                "startsAt": _TIME,
                                "endsAt": {
                                    **_TIME,
                                    "description": "0001-01-01T00:00:00Z while firing",
                                },
                                "generatorURL": {"type": "string"},
                                "fingerprint": {"type": "string", "maxLength": 64},
                            },
                        },
                    },
                },
            }
        }
    },
}


class AlertOutcomeSchema(ma.Schema):
    index = ma.fields.Integer(metadata={"description": "The alert's place in `alerts`"})
    fingerprint = ma.fields.String()
    status = ma.fields.String(metadata={"description": "firing or resolved"})
    action = ma.fields.String(
        metadata={
            "description": "opened, attached, resolved, opened_and_resolved, recorded (a line "
            "on an incident already resolved) or replay (already received: nothing changed)"
        }
    )
    incident_id = ma.fields.Integer(allow_none=True)
    matched = ma.fields.String(metadata={"description": "monitor KEY, deployment NAME or nothing"})
    note = ma.fields.String()


class WebhookResult(ma.Schema):
    organization = ma.fields.String()
    received = ma.fields.Integer(metadata={"description": "Alerts in the notification"})
    truncated_alerts = ma.fields.Integer(metadata={"description": "As Alertmanager said"})
    max_alerts = ma.fields.Integer(metadata={"description": "Alerts one notification may carry"})
    alerts = ma.fields.List(ma.fields.Nested(AlertOutcomeSchema))


class EventSchema(ma.Schema):
    kind = ma.fields.String()
    at = ma.fields.String(metadata={"description": "UTC, ISO 8601"})
    actor = ma.fields.String(allow_none=True, metadata={"description": "null: the alerting system"})
    detail = ma.fields.String()
    minutes = ma.fields.Integer(allow_none=True)
    decision_id = ma.fields.Integer(allow_none=True)


class IncidentSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    summary = ma.fields.String()
    severity = ma.fields.String(metadata={"description": "sev1 (worst) to sev4"})
    status = ma.fields.String()
    source = ma.fields.String(metadata={"description": "alertmanager or person"})
    fingerprint = ma.fields.String(allow_none=True)
    deployment_id = ma.fields.Integer(allow_none=True)
    deployment = ma.fields.String(allow_none=True)
    initiative_id = ma.fields.Integer(allow_none=True)
    initiative = ma.fields.String(allow_none=True)
    monitor_id = ma.fields.Integer(allow_none=True)
    monitor = ma.fields.String(allow_none=True, metadata={"description": "The monitor's key"})
    impact_started_at = ma.fields.String()
    detected_at = ma.fields.String()
    acknowledged_at = ma.fields.String(allow_none=True)
    mitigated_at = ma.fields.String(allow_none=True)
    resolved_at = ma.fields.String(allow_none=True)
    serious_kind = ma.fields.String(allow_none=True)
    report_due_at = ma.fields.String(allow_none=True)
    reported_at = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()


class IncidentDetail(IncidentSchema):
    detected_by = ma.fields.String(allow_none=True)
    acknowledged_by = ma.fields.String(allow_none=True)
    mitigated_by = ma.fields.String(allow_none=True)
    resolved_by = ma.fields.String(allow_none=True)
    minutes = ma.fields.Dict(
        metadata={
            "description": "mttd (detected − impact started), mtta (acknowledged − detected), "
            "mttr (resolved − detected) for this incident, in minutes; null until known"
        }
    )
    timeline = ma.fields.List(ma.fields.Nested(EventSchema))


class IncidentList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(IncidentSchema))
    next_after = ma.fields.Integer(
        allow_none=True, metadata={"description": "Pass as `after` to get the next page"}
    )


class IncidentArgs(ma.Schema):
    limit = WholeNumber(load_default=50, validate=ma.validate.Range(min=1, max=200))
    after = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "The id of the last incident of the previous page"},
    )
    status = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(["unresolved", *[s.value for s in IncidentStatus]]),
        metadata={"description": "unresolved: open, acknowledged or mitigated"},
    )
    severity = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([s.value for s in Severity])
    )
    deployment = Id(load_default=None, metadata={"description": "A deployment's id"})
    initiative = Id(load_default=None, metadata={"description": "An initiative's id"})


def _moment(description: str) -> ma.fields.AwareDateTime:
    """An ISO 8601 time; without an offset, UTC."""
    return ma.fields.AwareDateTime(
        format="iso",
        default_timezone=UTC,
        load_default=None,
        allow_none=True,
        metadata={"description": description},
    )


class IncidentInput(ma.Schema):
    title = Name(required=True, validate=ma.validate.Length(min=1, max=300))
    severity = ma.fields.String(
        required=True, validate=ma.validate.OneOf([s.value for s in Severity])
    )
    summary = Text(load_default="", validate=ma.validate.Length(max=20000))
    deployment_id = Id(load_default=None, allow_none=True)
    monitor_id = Id(load_default=None, allow_none=True)
    initiative_id = Id(load_default=None, allow_none=True)
    impact_started_at = _moment("Default: detected_at")
    detected_at = _moment("Default: now")


class StepInput(ma.Schema):
    at = _moment("Default: now")
    note = Text(load_default="", validate=ma.validate.Length(max=4000))
