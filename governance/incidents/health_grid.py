"""The deployments × monitors grid of the operations page, and the per-deployment and
per-initiative tables: each a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from governance.enums import ArtifactKind, Environment
from governance.extensions import db
from governance.incidents import dora, metrics
from governance.incidents.dora import Deployments
from governance.incidents.metrics import Times
from governance.lineage.models import LineageArtifact
from governance.monitoring.health import MonitorState, Reading, monitor_readings
from governance.monitoring.models import Monitor
from governance.portfolio.models import Initiative


@dataclass
class Cell:
    monitor_id: int
    key: str
    name: str
    metric: str
    unit: str
    reading: Reading


@dataclass
class DeploymentRow:
    id: int
    name: str
    environment: Environment | None
    initiative_id: int | None
    cells: list[Cell] = field(default_factory=list)
    times: Times = field(default_factory=Times)
    deploys: Deployments = field(default_factory=Deployments)

    @property
    def monitored(self) -> bool:
        return bool(self.cells)

    @property
    def breaching(self) -> int:
        return sum(1 for c in self.cells if c.reading.state == MonitorState.BREACHING)


def deployment_rows(organization_id: int, now: datetime) -> list[DeploymentRow]:
    """Every deployment of the organization with its monitors' readings now and its incident
    and deployment numbers over the last HEADLINE_DAYS days. Four queries."""
    rows = {
        d.id: DeploymentRow(d.id, d.name, d.environment, d.initiative_id)
        for d in db.session.execute(
            sa.select(
                LineageArtifact.id,
                LineageArtifact.name,
                LineageArtifact.environment,
                LineageArtifact.initiative_id,
            )
            .where(
                LineageArtifact.organization_id == organization_id,
                LineageArtifact.kind == ArtifactKind.DEPLOYMENT,
            )
            .order_by(LineageArtifact.name, LineageArtifact.id)
        )
    }
    readings = monitor_readings(organization_id, now=now)
    monitors = db.session.execute(
        sa.select(
            Monitor.id,
            Monitor.deployment_id,
            Monitor.key,
            Monitor.name,
            Monitor.metric,
            Monitor.unit,
        )
        .where(Monitor.organization_id == organization_id, Monitor.active.is_(True))
        .order_by(Monitor.key, Monitor.id)
    )
    for monitor_id, deployment_id, key, name, metric, unit in monitors:
        row = rows.get(deployment_id)
        if row is not None and monitor_id in readings:
            row.cells.append(Cell(monitor_id, key, name, metric, unit, readings[monitor_id]))
    since = now - timedelta(days=metrics.HEADLINE_DAYS)
    for on, times in metrics.times_by(organization_id, "deployment_id", since, now).items():
        if on is not None and on in rows:
            rows[on].times = times
    for deployment_id, deploys in dora.deployments_by_deployment(
        organization_id, since, now
    ).items():
        if deployment_id in rows:
            rows[deployment_id].deploys = deploys
    return list(rows.values())


@dataclass
class InitiativeRow:
    id: int | None
    name: str
    times: Times


def initiative_names(organization_id: int) -> dict[int, str]:
    """Initiative id -> name, by name (the filter's choices). One query."""
    query = (
        sa.select(Initiative.id, Initiative.name)
        .where(Initiative.organization_id == organization_id)
        .order_by(Initiative.name, Initiative.id)
    )
    return {i: name for i, name in db.session.execute(query)}


def initiative_rows(
    organization_id: int, now: datetime, names: dict[int, str]
) -> list[InitiativeRow]:
    """Initiatives with incidents over the last HEADLINE_DAYS days (and the incidents on
    none), with their times. One query."""
    since = now - timedelta(days=metrics.HEADLINE_DAYS)
    by_initiative = metrics.times_by(organization_id, "initiative_id", since, now)
    rows = [
        InitiativeRow(i, names.get(i, "No initiative") if i else "No initiative", t)
        for i, t in by_initiative.items()
    ]
    return sorted(rows, key=lambda r: (r.id is None, r.name.lower()))


def is_deployment(organization_id: int, artifact_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(LineageArtifact.id).where(
                LineageArtifact.id == artifact_id,
                LineageArtifact.organization_id == organization_id,
                LineageArtifact.kind == ArtifactKind.DEPLOYMENT,
            )
        )
        is not None
    )
