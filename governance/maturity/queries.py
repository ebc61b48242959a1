"""Objectives and KPIs across an organization's initiatives, for its own page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from governance.extensions import db
from governance.maturity.models import Kpi, Objective
from governance.portfolio.models import Initiative, Organization

# Objectives on the page; past that, the page says how many more and links each initiative.
OBJECTIVES_SHOWN = 100


@dataclass
class ObjectivesOverview:
    groups: list[tuple[Initiative, list[Objective]]]  # by initiative name, objectives in order
    objectives: int  # every objective of the organization, not only those shown
    kpis: int  # every KPI of the organization

    @property
    def shown(self) -> int:
        return sum(len(objectives) for _initiative, objectives in self.groups)


def organization_objectives(org: Organization, limit: int = OBJECTIVES_SHOWN) -> ObjectivesOverview:
    """Four queries whatever the size: the two counts, the objectives (with their initiative)
    and their KPIs."""
    objectives = db.session.scalar(
        sa.select(sa.func.count()).select_from(Objective).where(Objective.organization_id == org.id)
    )
    kpis = db.session.scalar(
        sa.select(sa.func.count()).select_from(Kpi).where(Kpi.organization_id == org.id)
    )
    rows = db.session.scalars(
        sa.select(Objective)
        .join(Initiative, Initiative.id == Objective.initiative_id)
        .where(Objective.organization_id == org.id)
        .options(contains_eager(Objective.initiative), selectinload(Objective.kpis))
        .order_by(Initiative.name, Initiative.id, Objective.id)
        .limit(limit)
    )
    groups: list[tuple[Initiative, list[Objective]]] = []
    for objective in rows:
        if not groups or groups[-1][0].id != objective.initiative_id:
            groups.append((objective.initiative, []))
        groups[-1][1].append(objective)
    return ObjectivesOverview(groups, int(objectives or 0), int(kpis or 0))
