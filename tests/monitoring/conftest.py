"""A production deployment with a dataset feeding it, and a monitor on each, in the world's
first organization."""

from __future__ import annotations

from typing import Any

import pytest

from governance.enums import ArtifactKind, Comparator, Environment, MonitorSignal, Severity
from governance.extensions import db
from governance.lineage import operations as lineage_ops
from governance.monitoring import operations as ops


@pytest.fixture
def ops_scene(world) -> dict[str, Any]:
    org, contributor = world["org"], world["users"]["contributor"]
    artifact = lineage_ops.ArtifactInput
    deployment = lineage_ops.register_artifact(
        org,
        contributor,
        ArtifactKind.DEPLOYMENT,
        artifact("acme", "fraud-api", environment=Environment.PRODUCTION),
    )
    dataset = lineage_ops.register_artifact(
        org, contributor, ArtifactKind.DATASET, artifact("postgres://wms:5432", "public.parcels")
    )
    auc = ops.create_monitor(
        org,
        contributor,
        deployment,
        key="fraud-api-auc",
        name="Fraud API AUC",
        signal=MonitorSignal.MODEL_PERFORMANCE,
        metric="auc",
        comparator=Comparator.AT_LEAST,
        threshold=0.85,
        owner_id=contributor.id,
    )
    nulls = ops.create_monitor(
        org,
        contributor,
        deployment,
        key="parcels-customer-not-null",
        name="Parcels: customer id present",
        signal=MonitorSignal.DATA_QUALITY,
        metric="assertion.not_null.customer_id",
        comparator=Comparator.AT_LEAST,
        threshold=1,
        severity=Severity.SEV2,
        dataset_id=dataset.id,
    )
    db.session.commit()
    return {"org": org, "deployment": deployment, "dataset": dataset, "auc": auc, "nulls": nulls}
