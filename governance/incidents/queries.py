"""What the incident pages read: the list (open first, filtered, in bounded pages), one
incident's timeline and rollback plan, a deployment's recent incidents, and the choices the
forms offer. Each a fixed number of queries whatever the number of incidents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from governance.enums import ArtifactKind, IncidentStatus, Severity
from governance.extensions import db
from governance.incidents.models import Incident, IncidentEvent
from governance.lineage.models import LineageArtifact, RollbackPlan
from governance.monitoring.models import Monitor
from governance.portfolio.models import Initiative, Organization

PAGE_SIZE = 50
# Page numbers stop here: past 200 pages of 50, the filters are the way to narrow the list.
MAX_PAGE = 200
STATUS_FILTERS = ("open", "all", *(s.value for s in IncidentStatus))


@dataclass(frozen=True)
class Filters:
    status: str = "open"  # "open": not yet resolved; "all"; or one status
    severity: str = ""
    deployment_id: int | None = None
    initiative_id: int | None = None
    serious: bool = False

    def where(self, org: Organization) -> list[Any]:
        where: list[Any] = [Incident.organization_id == org.id]
        if self.status == "open":
            where.append(Incident.status != IncidentStatus.RESOLVED)
        elif self.status in IncidentStatus.__members__.values():
            where.append(Incident.status == IncidentStatus(self.status))
        if self.severity in Severity.__members__.values():
            where.append(Incident.severity == Severity(self.severity))
        if self.deployment_id is not None:
            where.append(Incident.deployment_id == self.deployment_id)
        if self.initiative_id is not None:
            where.append(Incident.initiative_id == self.initiative_id)
        if self.serious:
            where.append(Incident.serious_kind.is_not(None))
        return where

    def args(self) -> dict[str, Any]:
        """The query string that keeps these filters (for the pager's links)."""
        return {
            "status": self.status,
            "severity": self.severity or None,
            "deployment": self.deployment_id,
            "initiative": self.initiative_id,
            "serious": "1" if self.serious else None,
        }


@dataclass
class IncidentPage:
    rows: list[Incident]
    total: int  # every incident the filters match
    number: int  # this page, from 1
    pages: int
    filters: Filters = field(default_factory=Filters)

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def list_order() -> list[Any]:
    """Open incidents first, most severe (SEV1 sorts first) then oldest; then resolved ones,
    newest first. Each CASE is NULL in the other group, which the first key already split."""
    resolved = Incident.status == IncidentStatus.RESOLVED
    return [
        sa.case((resolved, 1), else_=0),
        sa.case((resolved, None), else_=Incident.severity),
        sa.case((resolved, None), else_=Incident.detected_at),
        sa.case((resolved, Incident.resolved_at), else_=None).desc(),
        Incident.id.desc(),
    ]


def incident_page(org: Organization, filters: Filters, number: int = 1) -> IncidentPage:
    """One page of the list: a count and the rows (with deployment and initiative joined)."""
    where = filters.where(org)
    total = int(db.session.scalar(sa.select(sa.func.count(Incident.id)).where(*where)) or 0)
    pages = max(1, min(MAX_PAGE, -(-total // PAGE_SIZE)))
    number = min(max(1, number), pages)
    rows = list(
        db.session.scalars(
            sa.select(Incident)
            .where(*where)
            .options(joinedload(Incident.deployment), joinedload(Incident.initiative))
            .order_by(*list_order())
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return IncidentPage(rows, total, number, pages, filters)


def timeline(incident: Incident) -> list[IncidentEvent]:
    """The incident's events in time order, with who took each and the decision it made."""
    return list(
        db.session.scalars(
            sa.select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident.id)
            .options(joinedload(IncidentEvent.actor), joinedload(IncidentEvent.decision))
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
    )


def rollback_plan(incident: Incident) -> RollbackPlan | None:
    if incident.deployment_id is None:
        return None
    return db.session.scalar(
        sa.select(RollbackPlan)
        .where(RollbackPlan.deployment_id == incident.deployment_id)
        .options(joinedload(RollbackPlan.target_version))
    )


def deployment_incidents(
    deployment: LineageArtifact, limit: int = 10
) -> tuple[list[Incident], int]:
    """A deployment's most recent incidents (open ones first, as on the list) and how many it
    has in all: two queries."""
    where = [
        Incident.organization_id == deployment.organization_id,
        Incident.deployment_id == deployment.id,
    ]
    total = int(db.session.scalar(sa.select(sa.func.count(Incident.id)).where(*where)) or 0)
    rows = list(
        db.session.scalars(sa.select(Incident).where(*where).order_by(*list_order()).limit(limit))
    )
    return rows, total


def open_incidents_of(initiative: Initiative, limit: int = 5) -> tuple[list[Incident], int]:
    """An initiative's open incidents, most severe then oldest, and how many: two queries."""
    where = [
        Incident.organization_id == initiative.organization_id,
        Incident.initiative_id == initiative.id,
        Incident.status != IncidentStatus.RESOLVED,
    ]
    total = int(db.session.scalar(sa.select(sa.func.count(Incident.id)).where(*where)) or 0)
    rows = list(
        db.session.scalars(
            sa.select(Incident)
            .where(*where)
            .options(joinedload(Incident.deployment))
            .order_by(*list_order())
            .limit(limit)
        )
    )
    return rows, total


def deployments_of(org: Organization) -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(
            sa.select(LineageArtifact.id, LineageArtifact.name)
            .where(
                LineageArtifact.organization_id == org.id,
                LineageArtifact.kind == ArtifactKind.DEPLOYMENT,
            )
            .order_by(LineageArtifact.name, LineageArtifact.id)
        )
    ]


def initiatives_of(org: Organization) -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(
            sa.select(Initiative.id, Initiative.name)
            .where(Initiative.organization_id == org.id)
            .order_by(Initiative.name, Initiative.id)
        )
    ]


def monitors_of(org: Organization) -> list[tuple[int, str, str]]:
    """(id, monitor name, deployment name) for the new-incident form's monitor choice."""
    return [
        (row.id, row.name, row.deployment)
        for row in db.session.execute(
            sa.select(Monitor.id, Monitor.name, LineageArtifact.name.label("deployment"))
            .join(LineageArtifact, LineageArtifact.id == Monitor.deployment_id)
            .where(Monitor.organization_id == org.id)
            .order_by(LineageArtifact.name, Monitor.name, Monitor.id)
        )
    ]
