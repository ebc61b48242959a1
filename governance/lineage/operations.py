"""Registering lineage by hand: artifacts, the edges between them, and rollback plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from governance.enums import (
    ArtifactKind,
    ArtifactOrigin,
    DataClassification,
    EdgeKind,
    Environment,
    label,
)
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.lineage.models import LineageArtifact, LineageEdge, RollbackPlan, node_type_of
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative, Organization

K = ArtifactKind


ARTIFACT_FIELDS = [
    "namespace",
    "name",
    "version_tag",
    "owner",
    "data_classification",
    "description",
    "initiative_id",
    "environment",
    "parent_id",
]


REFUSAL = "Your role in this organization does not allow changing its lineage."

PLAN_FIELDS = ["target_version_id", "procedure", "owner", "last_tested_on", "restore_minutes"]


# Which artifacts each kind of edge may join (source -> target); the words say why.
_DATA = {K.DATA_SOURCE, K.DATASET, K.FEATURE_SET}


_MODELS = {K.MODEL, K.MODEL_VERSION}


EDGE_RULES: dict[EdgeKind, tuple[set[ArtifactKind], set[ArtifactKind]]] = {
    EdgeKind.DERIVED_FROM: (_DATA, {K.DATASET, K.FEATURE_SET}),
    EdgeKind.TRAINED_ON: ({K.DATASET, K.FEATURE_SET}, _MODELS),
    EdgeKind.DEPLOYED_AS: (_MODELS, {K.DEPLOYMENT}),
    EdgeKind.FEEDS: (set(K) - {K.BUSINESS_OUTCOME}, set(K) - {K.DATA_SOURCE}),
    EdgeKind.MEASURED_BY: (_MODELS | {K.DEPLOYMENT}, {K.BUSINESS_OUTCOME}),
}


@dataclass
class ArtifactInput:
    namespace: str
    name: str
    version_tag: str = ""
    owner: str = ""
    data_classification: DataClassification = DataClassification.UNCLASSIFIED
    description: str = ""
    initiative_id: int | None = None
    environment: Environment | None = None
    parent_id: int | None = None


def _clean(org: Organization, kind: ArtifactKind, data: ArtifactInput) -> ArtifactInput:
    namespace, name = data.namespace.strip(), data.name.strip()
    if not namespace:
        raise DomainError(
            "Give the namespace (e.g. the system or team it lives in).", field="namespace"
        )
    if not name:
        raise DomainError("Give the artifact a name.", field="name")
    if len(namespace) > 255:
        raise DomainError("The namespace is too long (255 characters at most).", field="namespace")
    if len(name) > 500:
        raise DomainError("The name is too long (500 characters at most).", field="name")
    if data.initiative_id is not None:
        initiative = db.session.get(Initiative, data.initiative_id)
        if initiative is None or initiative.organization_id != org.id:
            raise DomainError("Choose an initiative of this organization.", field="initiative_id")
    if data.parent_id is not None:
        if kind != K.MODEL_VERSION:
            raise DomainError("Only a model version belongs to a model.", field="parent_id")
        parent = db.session.get(LineageArtifact, data.parent_id)
        if parent is None or parent.organization_id != org.id or parent.kind != K.MODEL:
            raise DomainError("Choose a model of this organization.", field="parent_id")
    environment = data.environment if kind == K.DEPLOYMENT else None
    return ArtifactInput(
        namespace,
        name,
        data.version_tag.strip(),
        data.owner.strip(),
        data.data_classification,
        data.description.strip(),
        data.initiative_id,
        environment,
        data.parent_id,
    )


def _taken(org_id: int, kind: ArtifactKind, namespace: str, name: str, but: int | None) -> bool:
    query = sa.select(LineageArtifact.id).where(
        LineageArtifact.organization_id == org_id,
        LineageArtifact.node_type == node_type_of(kind),
        LineageArtifact.namespace == namespace,
        LineageArtifact.name == name,
    )
    if but is not None:
        query = query.where(LineageArtifact.id != but)
    return db.session.scalar(query.limit(1)) is not None


def _flush_unique(namespace: str, name: str) -> None:
    """Flush; a concurrent registration of the same name becomes a refusal, not a 500.

    The caller rolls back on the refusal (`refuse()` does), as after any failed flush.
    """
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError(
            f"An artifact {namespace}:{name} is already registered in this organization.",
            field="name",
        ) from error


def register_artifact(
    org: Organization,
    by: User,
    kind: ArtifactKind,
    data: ArtifactInput,
    origin: ArtifactOrigin = ArtifactOrigin.REGISTERED,
) -> LineageArtifact:
    require(by, Action.CONTRIBUTE, org, REFUSAL)
    data = _clean(org, kind, data)
    if _taken(org.id, kind, data.namespace, data.name, None):
        raise DomainError(
            f"An artifact {data.namespace}:{data.name} is already registered in this "
            "organization; open it and edit it instead.",
            field="name",
        )
    artifact = LineageArtifact(
        organization_id=org.id, kind=kind, node_type=node_type_of(kind), origin=origin
    )
    _apply(artifact, data)
    db.session.add(artifact)
    _flush_unique(data.namespace, data.name)
    return artifact


def update_artifact(
    artifact: LineageArtifact, by: User, expected_version: int | None, data: ArtifactInput
) -> LineageArtifact:
    require(by, Action.CONTRIBUTE, artifact, REFUSAL)
    check_version(artifact, expected_version, ARTIFACT_FIELDS)
    org = db.session.get(Organization, artifact.organization_id)
    assert org is not None
    data = _clean(org, artifact.kind, data)
    if data.parent_id == artifact.id:
        raise DomainError("A model version cannot be its own model.", field="parent_id")
    if _taken(org.id, artifact.kind, data.namespace, data.name, artifact.id):
        raise DomainError(
            f"Another artifact is already called {data.namespace}:{data.name}.", field="name"
        )
    _apply(artifact, data)
    _flush_unique(data.namespace, data.name)
    return artifact


def _apply(artifact: LineageArtifact, data: ArtifactInput) -> None:
    artifact.namespace = data.namespace
    artifact.name = data.name
    artifact.version_tag = data.version_tag
    artifact.owner = data.owner
    artifact.data_classification = data.data_classification
    artifact.description = data.description
    artifact.initiative_id = data.initiative_id
    artifact.environment = data.environment
    artifact.parent_id = data.parent_id


def edge_refusal(source: LineageArtifact, target: LineageArtifact, kind: EdgeKind) -> str | None:
    """Why this edge makes no sense, in the users' words; None when it does."""
    if source.organization_id != target.organization_id:
        return "Both artifacts must belong to this organization."
    if source.id == target.id:
        return "An artifact cannot be its own upstream."
    sources, targets = EDGE_RULES[kind]
    if source.kind not in sources or target.kind not in targets:
        return (
            f"“{label(kind)}” does not join a {label(source.kind).lower()} to a "
            f"{label(target.kind).lower()}: it goes from "
            f"{' or '.join(sorted(label(k).lower() for k in sources))} to "
            f"{' or '.join(sorted(label(k).lower() for k in targets))}."
        )
    return None


def add_edge(
    source: LineageArtifact,
    target: LineageArtifact,
    kind: EdgeKind,
    by: User,
    origin: ArtifactOrigin = ArtifactOrigin.REGISTERED,
) -> LineageEdge:
    require(by, Action.CONTRIBUTE, source, REFUSAL)
    refusal = edge_refusal(source, target, kind)
    if refusal:
        raise DomainError(refusal, field="kind")
    exists = db.session.scalar(
        sa.select(LineageEdge.id).where(
            LineageEdge.source_id == source.id,
            LineageEdge.target_id == target.id,
            LineageEdge.kind == kind,
        )
    )
    if exists is not None:
        raise DomainError("This edge is already registered.", field="kind")
    edge = LineageEdge(
        organization_id=source.organization_id,
        source_id=source.id,
        target_id=target.id,
        kind=kind,
        origin=origin,
    )
    db.session.add(edge)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError("This edge is already registered.", field="kind") from error
    return edge


def remove_edge(edge: LineageEdge, by: User) -> None:
    require(by, Action.CONTRIBUTE, edge, REFUSAL)
    db.session.delete(edge)
    db.session.flush()


def set_rollback_plan(
    deployment: LineageArtifact,
    by: User,
    expected_version: int | None,
    *,
    target_version_id: int | None,
    procedure: str,
    owner: str,
    last_tested_on: date | None,
    restore_minutes: int | None,
    today: date | None = None,
) -> RollbackPlan:
    """Create or change the rollback plan of a deployment."""
    require(by, Action.CONTRIBUTE, deployment, REFUSAL)
    if deployment.kind != K.DEPLOYMENT:
        raise DomainError("Only a deployment has a rollback plan.")
    plan = db.session.scalar(
        sa.select(RollbackPlan).where(RollbackPlan.deployment_id == deployment.id).with_for_update()
    )
    if plan is not None:
        check_version(plan, expected_version, PLAN_FIELDS)
    if target_version_id is None:
        raise DomainError("Choose the model version to roll back to.", field="target_version_id")
    target = db.session.get(LineageArtifact, target_version_id)
    if (
        target is None
        or target.organization_id != deployment.organization_id
        or target.kind != K.MODEL_VERSION
    ):
        raise DomainError(
            "Choose a registered model version of this organization.", field="target_version_id"
        )
    if not procedure.strip():
        raise DomainError("Describe the procedure, step by step.", field="procedure")
    if not owner.strip():
        raise DomainError("Name who owns the rollback.", field="owner")
    if last_tested_on is not None and last_tested_on > (today or date.today()):
        raise DomainError("The last test cannot be in the future.", field="last_tested_on")
    if restore_minutes is not None and not 0 <= restore_minutes <= 100_000:
        raise DomainError(
            "Give the minutes the rollback took (0 or more).", field="restore_minutes"
        )
    if plan is None:
        plan = RollbackPlan(organization_id=deployment.organization_id, deployment_id=deployment.id)
        db.session.add(plan)
    plan.target_version_id = target.id
    plan.procedure = procedure.strip()
    plan.owner = owner.strip()
    plan.last_tested_on = last_tested_on
    plan.restore_minutes = restore_minutes
    db.session.flush()
    return plan
