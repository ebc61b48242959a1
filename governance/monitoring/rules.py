"""Rules over monitors: every production deployment watched for model performance and drift by
an owned monitor, and every active monitor's alerts reaching someone who can act on them.

Both read the monitors of the initiative's deployments (lineage artifacts of kind deployment
with the initiative's id, as the lineage rules find them): a fixed number of queries each.
Observations do not change them (a breach opens an incident, which the incident rules read),
and observations are inserted in bulk, outside the flush the criteria's state listens to.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from governance.enums import ArtifactKind, Environment, MonitorSignal, Role
from governance.extensions import db
from governance.gates.rules import (
    Checked,
    Failure,
    RecordRef,
    open_when_empty,
    reaches,
    reaches_when_changed,
    rule,
)
from governance.lineage.models import LineageArtifact
from governance.monitoring.models import Monitor
from governance.people.models import Membership, User
from governance.portfolio.models import Initiative

# What "monitored" means for a production deployment: both signals, each with an owner.
WATCHED = {MonitorSignal.MODEL_PERFORMANCE: "model-performance", MonitorSignal.DRIFT: "drift"}


def deployment_record(deployment: LineageArtifact) -> str:
    version = f" v{deployment.version_tag}" if deployment.version_tag else ""
    return f"Deployment {deployment.name}{version}"


def monitor_record(monitor: Monitor) -> str:
    return f"Monitor {monitor.name} ({monitor.key})"


def deployments_of(initiative: Initiative, production: bool = False) -> sa.Select[Any]:
    """The ids of the initiative's deployments (only those in production), as a subquery."""
    query = sa.select(LineageArtifact.id).where(
        LineageArtifact.organization_id == initiative.organization_id,
        LineageArtifact.initiative_id == initiative.id,
        LineageArtifact.kind == ArtifactKind.DEPLOYMENT,
    )
    if production:
        query = query.where(LineageArtifact.environment == Environment.PRODUCTION)
    return query


@rule(
    "production_deployments_monitored",
    "Every production deployment has an owned model-performance and drift monitor",
    # Nothing in production yet: nothing is watched, which is not the same as watched.
    when_empty=open_when_empty("no production deployment is registered yet"),
)
def production_deployments_monitored(initiative: Initiative, today: date) -> Checked:
    deployments = list(
        db.session.scalars(
            sa.select(LineageArtifact)
            .where(LineageArtifact.id.in_(deployments_of(initiative, production=True)))
            .order_by(LineageArtifact.name, LineageArtifact.id)
        )
    )
    # (deployment, signal) -> whether one of its active monitors has an owner.
    owned: dict[tuple[int, MonitorSignal], bool] = {}
    for deployment_id, signal, owner_id in db.session.execute(
        sa.select(Monitor.deployment_id, Monitor.signal, Monitor.owner_id).where(
            Monitor.deployment_id.in_([d.id for d in deployments]),
            Monitor.active,
            Monitor.signal.in_(list(WATCHED)),
        )
    ):
        key = (deployment_id, signal)
        owned[key] = owned.get(key, False) or owner_id is not None
    failures = []
    for deployment in deployments:
        missing = []
        for signal, words in WATCHED.items():
            found = owned.get((deployment.id, signal))
            if found is None:
                missing.append(f"no active {words} monitor")
            elif not found:
                missing.append(f"its {words} monitor has no owner")
        if missing:
            failures.append(
                Failure(
                    deployment_record(deployment),
                    "; ".join(missing),
                    RecordRef("lineage_artifact", deployment.id),
                )
            )
    return Checked(len(deployments), failures)


@rule(
    "monitor_alerts_routed",
    "Every active monitor alerts a member of the organization who can act on it",
    # No monitor: no alert reaches anyone, which is what the criterion asks to fix.
    when_empty=open_when_empty("no monitor is set up on this initiative's deployments yet"),
)
def monitor_alerts_routed(initiative: Initiative, today: date) -> Checked:
    rows = db.session.execute(
        sa.select(Monitor, User, Membership.role)
        .outerjoin(User, User.id == Monitor.owner_id)
        .outerjoin(
            Membership,
            sa.and_(
                Membership.user_id == Monitor.owner_id,
                Membership.organization_id == Monitor.organization_id,
            ),
        )
        .where(Monitor.deployment_id.in_(deployments_of(initiative)), Monitor.active)
        .order_by(Monitor.name, Monitor.id)
    ).all()
    failures = []
    for monitor, owner, role in rows:
        reason = None
        if owner is None:
            reason = "has no owner: its alerts reach nobody"
        elif role is None:
            reason = f"alerts {owner.name}, who is no longer a member of this organization"
        elif role == Role.AUDITOR:
            # An auditor reads everything and changes nothing: they cannot act on an alert.
            reason = f"alerts {owner.name}, an auditor, who cannot act on an alert"
        elif not owner.active:
            reason = f"alerts {owner.name}, whose account is deactivated"
        if reason:
            failures.append(
                Failure(monitor_record(monitor), reason, RecordRef("monitor", monitor.id))
            )
    return Checked(len(rows), failures)


@reaches("monitor")
def initiatives_of_monitors(monitor_ids: list[int]) -> set[int]:
    """A monitor added, changed or removed changes the rules of its deployment's initiative."""
    return set(
        db.session.scalars(
            sa.select(LineageArtifact.initiative_id)
            .join(Monitor, Monitor.deployment_id == LineageArtifact.id)
            .where(Monitor.id.in_(monitor_ids), LineageArtifact.initiative_id.is_not(None))
            .distinct()
        )
    )


def _initiatives_alerting(condition: sa.ColumnElement[bool]) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(LineageArtifact.initiative_id)
            .join(Monitor, Monitor.deployment_id == LineageArtifact.id)
            .where(condition, LineageArtifact.initiative_id.is_not(None))
            .distinct()
        )
    )


@reaches("membership")
def initiatives_alerting_member(membership_ids: list[int]) -> set[int]:
    """A member removed or made an auditor: the monitors they own stop reaching someone who
    can act (read while a removed membership's row still exists)."""
    members = sa.select(Membership.user_id, Membership.organization_id).where(
        Membership.id.in_(membership_ids)
    )
    pairs = list(db.session.execute(members))
    if not pairs:
        return set()
    return _initiatives_alerting(
        sa.or_(
            *(
                sa.and_(Monitor.owner_id == user_id, Monitor.organization_id == org_id)
                for user_id, org_id in pairs
            )
        )
    )


# Nearly every row names a person (who made it): only a change of the account's `active`
# (or of the name the failures show) reaches the initiatives whose monitors alert them.
@reaches_when_changed("user", "active", "name")
def initiatives_alerting_user(user_ids: list[int]) -> set[int]:
    """A person's account deactivated (or back, or renamed): the monitors they own."""
    return _initiatives_alerting(Monitor.owner_id.in_(user_ids))
