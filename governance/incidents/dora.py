"""The four DORA keys of the AI program, from the lineage: a model version deployed is a
change, an incident on the deployment after it is a failure.

A deployment event is a `deployed_as` edge from a model version to a deployment: the edge's
time is when it was deployed, the model version's registration when it was ready.
- Deployment frequency: deployment events per calendar month (UTC) of deployment.
- Lead time for changes: mean hours from the model version's registration to its deployment.
- Change failure rate: the share of deployment events after which an incident on that
  deployment was detected (at or after the deployment) before the deployment's next
  deployment event and within CHANGE_FAILURE_DAYS days, whichever ends first.
- Time to restore service: MTTR (incidents/metrics.py).
One query per figure whatever the number of deployments and incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from governance.dashboards.sql import month_of, rounded, seconds_between
from governance.enums import ArtifactKind, EdgeKind
from governance.extensions import db
from governance.incidents.metrics import ALL, Filters
from governance.incidents.models import Incident
from governance.lineage.models import LineageArtifact, LineageEdge

CHANGE_FAILURE_DAYS = 30


@dataclass(frozen=True)
class Deployments:
    """Deployment events in a period: how many, how many failed, the mean lead time (hours)."""

    deployments: int = 0
    failed: int = 0
    lead_time_hours: float | None = None

    @property
    def change_failure_rate(self) -> float | None:
        """Percent of deployment events followed by an incident; None without deployments."""
        if not self.deployments:
            return None
        return round(100.0 * self.failed / self.deployments, 2)


def _events(organization_id: int, filters: Filters) -> sa.Subquery:
    """Every deployment event of the organization, with when the same deployment was
    deployed next (NULL for its latest)."""
    version = aliased(LineageArtifact)
    deployment = aliased(LineageArtifact)
    query = (
        sa.select(
            LineageEdge.target_id.label("deployment_id"),
            LineageEdge.created_at.label("deployed_at"),
            version.created_at.label("registered_at"),
            sa.func.lead(LineageEdge.created_at)
            .over(
                partition_by=LineageEdge.target_id,
                order_by=(LineageEdge.created_at, LineageEdge.id),
            )
            .label("next_at"),
        )
        .join(version, version.id == LineageEdge.source_id)
        .join(deployment, deployment.id == LineageEdge.target_id)
        .where(
            LineageEdge.organization_id == organization_id,
            LineageEdge.kind == EdgeKind.DEPLOYED_AS,
            version.kind == ArtifactKind.MODEL_VERSION,
            deployment.kind == ArtifactKind.DEPLOYMENT,
        )
    )
    # Filtering on the deployment keeps its whole partition: "next deployment" stays right.
    if filters.initiative_id is not None:
        query = query.where(deployment.initiative_id == filters.initiative_id)
    if filters.deployment_id is not None:
        query = query.where(LineageEdge.target_id == filters.deployment_id)
    return query.subquery("deployment_event")


def _columns(organization_id: int, events: Any) -> list[Any]:
    failed = sa.exists().where(
        Incident.organization_id == organization_id,
        Incident.deployment_id == events.c.deployment_id,
        Incident.detected_at >= events.c.deployed_at,
        seconds_between(events.c.deployed_at, Incident.detected_at) < CHANGE_FAILURE_DAYS * 86400,
        sa.or_(events.c.next_at.is_(None), Incident.detected_at < events.c.next_at),
    )
    lead = seconds_between(events.c.registered_at, events.c.deployed_at) / 3600.0
    return [
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((failed, 1), else_=0)), 0),
        sa.func.avg(lead),
    ]


def _deployments(row: Any) -> Deployments:
    n, failed, lead = row
    return Deployments(int(n), int(failed), rounded(lead))


def _in(query: Any, events: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(events.c.deployed_at >= since)
    if until is not None:
        query = query.where(events.c.deployed_at < until)
    return query


def deployments(
    organization_id: int, since: datetime | None, until: datetime | None, filters: Filters = ALL
) -> Deployments:
    """The deployment events of [since, until) taken together."""
    events = _events(organization_id, filters)
    query = _in(sa.select(*_columns(organization_id, events)), events, since, until)
    return _deployments(db.session.execute(query).one())


def deployments_by_month(
    organization_id: int, since: datetime, filters: Filters = ALL
) -> dict[str, Deployments]:
    """'YYYY-MM' (month of deployment) -> that month's deployment events."""
    events = _events(organization_id, filters)
    month = month_of(events.c.deployed_at)
    query = _in(
        sa.select(month, *_columns(organization_id, events)).group_by(month), events, since, None
    )
    return {m: _deployments(rest) for m, *rest in db.session.execute(query)}


def deployments_by_deployment(
    organization_id: int, since: datetime | None, until: datetime | None
) -> dict[int, Deployments]:
    """Deployment id -> its deployment events in [since, until)."""
    events = _events(organization_id, ALL)
    query = _in(
        sa.select(events.c.deployment_id, *_columns(organization_id, events)).group_by(
            events.c.deployment_id
        ),
        events,
        since,
        until,
    )
    return {d: _deployments(rest) for d, *rest in db.session.execute(query)}
