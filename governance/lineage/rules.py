"""Rules over lineage: models traced to a data source, production deployments with a tested
rollback plan and a registered model version. A bounded number of queries per rule."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from governance.enums import ArtifactKind, EdgeKind, Environment
from governance.extensions import db
from governance.gates.rules import (
    Checked,
    Failure,
    RecordRef,
    holds_until,
    open_when_empty,
    reaches,
    rule,
)
from governance.lineage.graph import MAX_DEPTH, Direction, reach_depths, reaching_kind
from governance.lineage.models import LineageArtifact, LineageEdge, RollbackPlan
from governance.portfolio.models import Initiative

ROLLBACK_TEST_DAYS = 180


K = ArtifactKind


def _ref(artifact: LineageArtifact) -> RecordRef:
    return RecordRef("lineage_artifact", artifact.id)


def _record(artifact: LineageArtifact) -> str:
    version = f" v{artifact.version_tag}" if artifact.version_tag else ""
    return f"{artifact.kind.value.replace('_', ' ').capitalize()} {artifact.name}{version}"


def _of(initiative: Initiative, *kinds: ArtifactKind) -> list[LineageArtifact]:
    return list(
        db.session.scalars(
            sa.select(LineageArtifact)
            .where(
                LineageArtifact.organization_id == initiative.organization_id,
                LineageArtifact.initiative_id == initiative.id,
                LineageArtifact.kind.in_(kinds),
            )
            .order_by(LineageArtifact.kind, LineageArtifact.name)
        )
    )


def _production(initiative: Initiative) -> list[LineageArtifact]:
    return [d for d in _of(initiative, K.DEPLOYMENT) if d.environment == Environment.PRODUCTION]


@rule(
    "models_have_lineage_to_source",
    "Every model in scope has lineage back to a data source",
    when_empty=open_when_empty("no model or model version is registered yet"),
)
def models_have_lineage_to_source(initiative: Initiative, today: date) -> Checked:
    models = _of(initiative, K.MODEL, K.MODEL_VERSION)
    if not models:
        return Checked(0)
    traced = reaching_kind(initiative.organization_id, [m.id for m in models], K.DATA_SOURCE)
    return Checked(
        len(models),
        [
            Failure(_record(m), "has no lineage back to a data source", _ref(m))
            for m in models
            if m.id not in traced
        ],
    )


@rule(
    "production_rollback_tested",
    "Every production deployment has a rollback plan tested in the last {days} days",
    # No deployment in production yet: there is no rollback to have tested, which is not
    # the same as a tested one.
    when_empty=open_when_empty("no production deployment is registered yet"),
    params={"days": ROLLBACK_TEST_DAYS},
)
def production_rollback_tested(initiative: Initiative, today: date) -> Checked:
    deployments = _production(initiative)
    plans = {
        p.deployment_id: p
        for p in db.session.scalars(
            sa.select(RollbackPlan).where(
                RollbackPlan.deployment_id.in_([d.id for d in deployments])
            )
        )
    }
    failures = []
    oldest = today - timedelta(days=ROLLBACK_TEST_DAYS)
    for tested in plans.values():  # the result may change when a recent test grows old
        if tested.last_tested_on is not None and tested.last_tested_on >= oldest:
            holds_until(tested.last_tested_on + timedelta(days=ROLLBACK_TEST_DAYS))
    for deployment in deployments:
        plan = plans.get(deployment.id)
        reason = None
        if plan is None:
            reason = "has no rollback plan"
        elif plan.target_version_id is None:
            reason = "has a rollback plan without a version to roll back to"
        elif plan.last_tested_on is None:
            reason = "has a rollback plan that was never tested"
        elif plan.last_tested_on < oldest:
            reason = (
                f"rollback last tested on {plan.last_tested_on.isoformat()}, "
                f"more than {ROLLBACK_TEST_DAYS} days ago"
            )
        if reason:
            failures.append(Failure(_record(deployment), reason, _ref(deployment)))
    # None in production: open (`when_empty`), with the same queries as with some.
    return Checked(len(deployments), failures)


@rule(
    "production_versions_registered",
    "Every model version in production is registered",
    # What it checks: the registered model versions and the production deployments. With
    # neither, no version is registered at all: open.
    when_empty=open_when_empty("no model version is registered yet"),
)
def production_versions_registered(initiative: Initiative, today: date) -> Checked:
    deployments = _production(initiative)
    if not deployments:
        # One query, as the "deployed as" one below: a page's queries do not depend on data.
        registered = db.session.scalar(
            sa.select(sa.func.count(LineageArtifact.id)).where(
                LineageArtifact.organization_id == initiative.organization_id,
                LineageArtifact.initiative_id == initiative.id,
                LineageArtifact.kind == K.MODEL_VERSION,
            )
        )
        # Versions registered, none in production: nothing in production lacks one.
        return Checked(registered or 0)
    rows = db.session.execute(
        sa.select(LineageEdge.target_id, LineageArtifact)
        .join(LineageArtifact, LineageArtifact.id == LineageEdge.source_id)
        .where(
            LineageEdge.kind == EdgeKind.DEPLOYED_AS,
            LineageEdge.target_id.in_([d.id for d in deployments]),
            LineageArtifact.kind == K.MODEL_VERSION,
        )
    ).all()
    versions: dict[int, list[LineageArtifact]] = {}
    for deployment_id, version in rows:
        versions.setdefault(deployment_id, []).append(version)
    failures = []
    for deployment in deployments:
        serving = versions.get(deployment.id, [])
        if not serving:
            failures.append(
                Failure(
                    _record(deployment),
                    "serves no registered model version (no “deployed as” edge from one)",
                    _ref(deployment),
                )
            )
        for version in serving:
            missing = [
                what
                for what, ok in (
                    ("a version number", bool(version.version_tag)),
                    ("an owner", bool(version.owner)),
                    ("its model", version.parent_id is not None),
                )
                if not ok
            ]
            if missing:
                failures.append(
                    Failure(
                        _record(version),
                        f"serves {deployment.name} but lacks {', '.join(missing)}",
                        _ref(version),
                    )
                )
    return Checked(len(deployments), failures)


@reaches("lineage_artifact")
def initiatives_downstream(artifact_ids: list[int]) -> set[int]:
    """The initiatives whose artifacts lie downstream of these (a model's lineage back to a
    data source, a deployment's version, pass through them): what a change of them reaches."""
    by_org: dict[int, list[int]] = {}
    for org_id, artifact_id in db.session.execute(
        sa.select(LineageArtifact.organization_id, LineageArtifact.id).where(
            LineageArtifact.id.in_(artifact_ids)
        )
    ):
        by_org.setdefault(org_id, []).append(artifact_id)
    found: set[int] = set()
    for org_id, ids in by_org.items():
        reached = reach_depths(org_id, ids, Direction.DOWNSTREAM, MAX_DEPTH)
        found.update(
            db.session.scalars(
                sa.select(LineageArtifact.initiative_id)
                .where(LineageArtifact.id.in_(list(reached)))
                .where(LineageArtifact.initiative_id.is_not(None))
                .distinct()
            )
        )
    return found
