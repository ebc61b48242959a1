"""The operations page's numbers through the API: `GET /api/v1/orgs/<slug>/operations`.

The same `Report` the page draws (incidents/figures.py), so the page, its CSV and this answer
give the same numbers. Minutes for incident times, hours for lead time, percent for rates;
null where there is nothing to average.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint

from governance.api.auth import api_organization, token_required
from governance.database import INTEGER_MAX, utcnow
from governance.enums import Severity
from governance.incidents import dora, figures
from governance.incidents.dora import Deployments
from governance.incidents.metrics import Times
from governance.loaders import get_operations_filters

blp = Blueprint(
    "api_operations",
    __name__,
    url_prefix="/api/v1/orgs",
    description="Operations figures: MTTD, MTTA, MTTR, incidents by severity, DORA keys",
)


ID_RANGE = ma.validate.Range(-INTEGER_MAX, INTEGER_MAX, error="No record has this id.")


class OperationsQuery(ma.Schema):
    initiative = ma.fields.Integer(
        validate=ID_RANGE,
        metadata={"description": "Only this initiative's incidents and deployments"},
    )
    deployment = ma.fields.Integer(
        validate=ID_RANGE,
        metadata={"description": "Only this deployment's incidents and deployments"},
    )


class TimesSchema(ma.Schema):
    incidents = ma.fields.Integer()
    acknowledged = ma.fields.Integer()
    resolved = ma.fields.Integer()
    mttd_minutes = ma.fields.Float(allow_none=True)
    mtta_minutes = ma.fields.Float(allow_none=True)
    mttr_minutes = ma.fields.Float(allow_none=True)
    deployments = ma.fields.Integer()
    failed_deployments = ma.fields.Integer(
        metadata={"description": "Deployment events followed by an incident (see the page)"}
    )
    change_failure_rate_percent = ma.fields.Float(allow_none=True)
    lead_time_hours = ma.fields.Float(allow_none=True, metadata={"description": "Mean"})


class MonthSchema(TimesSchema):
    month = ma.fields.String(metadata={"description": "YYYY-MM (UTC)"})
    by_severity = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class HeadlineSchema(TimesSchema):
    since = ma.fields.DateTime()
    until = ma.fields.DateTime()
    mttr_within_target = ma.fields.Boolean(allow_none=True)
    deployments_per_30_days = ma.fields.Float()
    open = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Incidents not resolved now, by severity"},
    )
    open_total = ma.fields.Integer()
    worst_open = ma.fields.String(allow_none=True)


class OperationsSchema(ma.Schema):
    organization = ma.fields.String()
    as_of = ma.fields.DateTime()
    mttr_target_minutes = ma.fields.Integer()
    initiative = ma.fields.Integer(allow_none=True)
    deployment = ma.fields.Integer(allow_none=True)
    change_failure_days = ma.fields.Integer()
    last_90_days = ma.fields.Nested(HeadlineSchema)
    months = ma.fields.List(ma.fields.Nested(MonthSchema))


def _numbers(times: Times, deploys: Deployments) -> dict[str, Any]:
    return {
        "incidents": times.incidents,
        "acknowledged": times.acknowledged,
        "resolved": times.resolved,
        "mttd_minutes": times.mttd,
        "mtta_minutes": times.mtta,
        "mttr_minutes": times.mttr,
        "deployments": deploys.deployments,
        "failed_deployments": deploys.failed,
        "change_failure_rate_percent": deploys.change_failure_rate,
        "lead_time_hours": deploys.lead_time_hours,
    }


@blp.get("/<slug>/operations")
@token_required
@blp.arguments(OperationsQuery, location="query")
@blp.response(200, OperationsSchema)
def operations(query: dict[str, Any], slug: str) -> dict[str, Any]:
    """Per month (of detection, of deployment) and over the last 90 days: MTTD, MTTA, MTTR,
    incidents by severity, deployments, change failure rate and lead time."""
    org = api_organization(slug)
    filters = get_operations_filters(org, query.get("initiative"), query.get("deployment"))
    r = figures.report(org.id, org.mttr_target_minutes, utcnow(), filters)
    months = [
        {
            "month": m,
            **_numbers(r.times.get(m, Times()), r.deploys.get(m, Deployments())),
            "by_severity": {s.value: r.severity.get((m, s), 0) for s in Severity},
        }
        for m in r.months
    ]
    worst = r.worst_open
    return {
        "organization": org.slug,
        "as_of": r.now,
        "mttr_target_minutes": r.target_minutes,
        "initiative": filters.initiative_id,
        "deployment": filters.deployment_id,
        "change_failure_days": dora.CHANGE_FAILURE_DAYS,
        "last_90_days": {
            **_numbers(r.recent, r.recent_deploys),
            "since": r.since,
            "until": r.now,
            "mttr_within_target": r.mttr_within_target,
            "deployments_per_30_days": r.deployments_per_month,
            "open": {s.value: r.open.get(s, 0) for s in Severity},
            "open_total": r.open_total,
            "worst_open": worst.value if worst else None,
        },
        "months": months,
    }
