"""Loads the demo lineage from seed_data/lineage.yaml through the lineage operations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from governance.audit import acting_as
from governance.catalog import load
from governance.enums import ArtifactKind, DataClassification, EdgeKind, Environment
from governance.extensions import db
from governance.lineage import operations as ops
from governance.lineage.models import LineageArtifact
from governance.people.models import User
from governance.permissions import Action, someone_who_may
from governance.portfolio.models import Initiative, Organization


def load_lineage(today: date | None = None) -> int:
    """Create every demo organization's lineage; returns the number of artifacts. Flushes."""
    today = today or date.today()
    data: dict[str, Any] = load("lineage.yaml")
    count = 0
    for slug, initiatives in data.items():
        org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
        if org is None:
            continue
        by_name = {
            i.name: i
            for i in db.session.scalars(
                sa.select(Initiative).where(Initiative.organization_id == org.id)
            )
        }
        keys: dict[str, LineageArtifact] = {}
        by = someone_who_may(Action.CONTRIBUTE, org.id)
        assert by is not None, f"nobody may register {slug}'s lineage"
        for initiative_name, spec in initiatives.items():
            initiative = by_name[initiative_name]
            # Registered in the initiative's first days; a model version and its release on
            # their own days (`days_ago`, a fourth word on a "deployed_as" edge), so the
            # deployment history reads as releases; a rollback plan when last rehearsed.
            registered = initiative.created_at + timedelta(hours=4)
            steps: list[tuple[datetime, int, Any]] = []
            for item in spec.get("artifacts", []):
                if item["key"] not in keys:  # else shared with an earlier initiative
                    when = _days_ago(today, item.get("days_ago"), registered, time(10, 0))
                    steps.append((when, len(steps), item))
            moments: dict[str, datetime] = {item["key"]: when for when, _o, item in steps}
            for line in spec.get("edges", []):
                source, relation, target, *days = line.split()
                when = max(moments.get(source, registered), moments.get(target, registered))
                if days:
                    when = max(when, _days_ago(today, int(days[0]), registered, time(14, 0)))
                steps.append((when, len(steps), (source, relation, target)))
            for when, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
                with acting_as(by.id, at=when):
                    if isinstance(step, dict):
                        keys[step["key"]] = _artifact(org, by, initiative, step, keys)
                        count += 1
                    else:
                        source, relation, target = step
                        ops.add_edge(keys[source], keys[target], EdgeKind(relation), by)
            for plan in spec.get("rollback", []):
                tested = today - timedelta(days=int(plan["tested_days_ago"]))
                moment = datetime.combine(tested, time(16, 0), tzinfo=UTC)
                with acting_as(by.id, at=min(max(moment, registered), _an_hour_ago())):
                    ops.set_rollback_plan(
                        keys[plan["deployment"]],
                        by,
                        None,
                        target_version_id=keys[plan["to"]].id,
                        procedure=plan["procedure"],
                        owner=plan["owner"],
                        last_tested_on=tested,
                        restore_minutes=plan.get("minutes"),
                        today=today,
                    )
    db.session.flush()
    return count


def _days_ago(today: date, days: int | None, registered: datetime, at: time) -> datetime:
    """`days` before the load day at `at`, never before the initiative's lineage was
    registered nor later than an hour ago; the registration moment when no days are given."""
    if days is None:
        return registered
    moment = datetime.combine(today - timedelta(days=int(days)), at, tzinfo=UTC)
    return min(max(moment, registered), _an_hour_ago())


def _an_hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


def _artifact(
    org: Organization,
    by: User,
    initiative: Initiative,
    item: dict[str, Any],
    keys: dict[str, LineageArtifact],
) -> LineageArtifact:
    parent = keys[item["parent"]].id if item.get("parent") else None
    return ops.register_artifact(
        org,
        by,
        ArtifactKind(item["kind"]),
        ops.ArtifactInput(
            namespace=item["ns"],
            name=item["name"],
            version_tag=str(item.get("v", "")),
            owner=item.get("owner", ""),
            data_classification=DataClassification(item.get("class", "internal")),
            description=item.get("desc", ""),
            initiative_id=initiative.id,
            environment=Environment(item["env"]) if item.get("env") else None,
            parent_id=parent,
        ),
    )
