"""The DORA keys of the AI program worked out by hand on a small lineage."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance.database import as_of, utcnow
from governance.enums import ArtifactKind, EdgeKind, Environment, Severity
from governance.extensions import db
from governance.incidents import dora
from governance.incidents import operations as incident_ops
from governance.incidents.metrics import Filters
from governance.lineage import operations as lineage_ops


def _artifact(org, by, kind, name, at, **extra):
    with as_of(at):
        return lineage_ops.register_artifact(
            org, by, kind, lineage_ops.ArtifactInput("acme", name, **extra)
        )


def _deploy(version, deployment, by, at):
    with as_of(at):
        return lineage_ops.add_edge(version, deployment, EdgeKind.DEPLOYED_AS, by)


def _incident(org, by, deployment, at):
    return incident_ops.open_incident(
        org, by, title="Scores wrong", severity=Severity.SEV2, deployment=deployment, detected_at=at
    )


@pytest.fixture
def lineage(world):
    """Three deployment events on two deployments, 120 days ago and after:
    v1 → api at +10 h (registered at 0), v2 → api at +20 d 5 h (registered at +20 d),
    v3 → batch at +45 d (registered at +40 d)."""
    org, by = world["org"], world["users"]["contributor"]
    t0 = utcnow().replace(microsecond=0) - timedelta(days=120)
    prod = {"environment": Environment.PRODUCTION}
    initiative = world["initiative"].id
    api = _artifact(org, by, ArtifactKind.DEPLOYMENT, "api", t0, initiative_id=initiative, **prod)
    batch = _artifact(org, by, ArtifactKind.DEPLOYMENT, "batch", t0, **prod)
    v1 = _artifact(org, by, ArtifactKind.MODEL_VERSION, "m@1", t0, version_tag="1")
    v2 = _artifact(org, by, ArtifactKind.MODEL_VERSION, "m@2", t0 + timedelta(days=20))
    v3 = _artifact(org, by, ArtifactKind.MODEL_VERSION, "m@3", t0 + timedelta(days=40))
    deployed = [
        t0 + timedelta(hours=10),
        t0 + timedelta(days=20, hours=5),
        t0 + timedelta(days=45),
    ]
    _deploy(v1, api, by, deployed[0])
    _deploy(v2, api, by, deployed[1])
    _deploy(v3, batch, by, deployed[2])
    db.session.commit()
    return {"org": org, "by": by, "api": api, "batch": batch, "t0": t0, "deployed": deployed}


def test_lead_time_and_frequency(lineage):
    org, t0 = lineage["org"], lineage["t0"]
    keys = dora.deployments(org.id, None, None)
    assert keys.deployments == 3
    assert keys.lead_time_hours == pytest.approx((10 + 5 + 5 * 24) / 3, abs=0.01)
    assert keys.failed == 0 and keys.change_failure_rate == 0
    by_month = dora.deployments_by_month(org.id, t0 - timedelta(days=1))
    expected: dict[str, int] = {}
    for at in lineage["deployed"]:
        expected[at.strftime("%Y-%m")] = expected.get(at.strftime("%Y-%m"), 0) + 1
    assert {m: d.deployments for m, d in by_month.items()} == expected


def test_a_failure_is_an_incident_on_the_deployment_before_its_next_one_and_within_30_days(
    lineage,
):
    org, by, api, batch, t0 = (lineage[k] for k in ("org", "by", "api", "batch", "t0"))
    _incident(org, by, api, t0 - timedelta(days=1))  # before any deployment: no change failed
    _incident(org, by, api, t0 + timedelta(days=3))  # after v1: v1 failed
    _incident(org, by, api, t0 + timedelta(days=20, hours=1))  # still v1 (v2 comes at 5 h)
    _incident(org, by, batch, t0 + timedelta(days=45 + 31))  # 31 days after v3: not v3's
    db.session.commit()
    keys = dora.deployments(org.id, None, None)
    assert (keys.deployments, keys.failed) == (3, 1)
    assert keys.change_failure_rate == pytest.approx(33.33, abs=0.01)
    _incident(org, by, api, t0 + timedelta(days=22))  # after v2, no later deployment: v2 failed
    db.session.commit()
    assert dora.deployments(org.id, None, None).failed == 2
    per_deployment = dora.deployments_by_deployment(org.id, None, None)
    assert {k: (d.deployments, d.failed) for k, d in per_deployment.items()} == {
        api.id: (2, 2),
        batch.id: (1, 0),
    }


def test_filters_and_periods(lineage, world):
    org, api, t0 = lineage["org"], lineage["api"], lineage["t0"]
    assert dora.deployments(org.id, None, None, Filters(deployment_id=api.id)).deployments == 2
    by_initiative = Filters(initiative_id=world["initiative"].id)
    assert dora.deployments(org.id, None, None, by_initiative).deployments == 2
    since = t0 + timedelta(days=30)
    assert dora.deployments(org.id, since, utcnow()).deployments == 1
    assert dora.deployments(world["other"].id, None, None).deployments == 0
    assert dora.deployments(world["other"].id, None, None).change_failure_rate is None
