"""Reading a batch of observations as the API receives it, item by item, naming the first
field that is wrong (`observations[3].value`) so that nothing of a bad batch is recorded.

An item names a monitor by key (`{"monitor": "fraud-api-auc", "value": 0.83, "observed_at":
...}`), or an artifact (its id, or its OpenLineage node id `dataset:<namespace>:<name>`) and a
metric, which every active monitor on that artifact and metric then judges.
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from governance.database import text_problem
from governance.errors import DomainError
from governance.extensions import db
from governance.lineage.models import LineageArtifact
from governance.lineage.openlineage import parse_time
from governance.monitoring.operations import ObservationInput
from governance.portfolio.models import Organization

MAX_BATCH = 5000
NODE_TYPES = ("dataset", "job")
EXAMPLE = (
    '{"observations": [{"monitor": "fraud-api-auc", "value": 0.83, '
    '"observed_at": "2026-12-01T10:00:00Z"}]}'
)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainError(f"{where}: required, a number.", field=where)
    try:
        number = float(value)
    except OverflowError:  # a whole number past any float
        number = math.inf
    if not math.isfinite(number):
        raise DomainError(f"{where}: a finite number.", field=where)
    return number


def _text(value: Any, where: str, limit: int = 120) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise DomainError(f"{where}: text of 1 to {limit} characters.", field=where)
    problem = text_problem(value, name=True)
    if problem:
        raise DomainError(f"{where}: {problem}", field=where)
    return value.strip()


def _candidates(ref: str) -> list[tuple[str, str, str]]:
    """(node type, namespace, name) readings of `dataset:<namespace>:<name>`: the namespace
    may itself hold colons (postgres://host:5432), so every split is a candidate."""
    node_type, _, rest = ref.partition(":")
    return [
        (node_type, rest[:i], rest[i + 1 :])
        for i, ch in enumerate(rest)
        if ch == ":" and rest[:i] and rest[i + 1 :]
    ]


def _resolve_nodes(org: Organization, refs: set[str]) -> dict[str, int]:
    """Node id -> artifact id, for those the organization has: one query."""
    wanted = {c: ref for ref in refs for c in _candidates(ref)}
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(
            LineageArtifact.id,
            LineageArtifact.node_type,
            LineageArtifact.namespace,
            LineageArtifact.name,
        ).where(
            LineageArtifact.organization_id == org.id,
            sa.tuple_(
                LineageArtifact.node_type, LineageArtifact.namespace, LineageArtifact.name
            ).in_(list(wanted)),
        )
    )
    return {wanted[(node, ns, name)]: artifact_id for artifact_id, node, ns, name in rows}


def parse_observations(org: Organization, body: Any) -> list[ObservationInput]:
    """The batch's items, checked; DomainError (its field the item's path) on the first
    problem. Monitor keys and artifact ids are checked against the organization by
    `record_observations`; node ids are resolved here."""
    if not isinstance(body, dict) or not isinstance(body.get("observations"), list):
        raise DomainError(
            f"observations: required, a JSON array, e.g. {EXAMPLE}", field="observations"
        )
    items = body["observations"]
    if not items:
        raise DomainError("observations: send at least one.", field="observations")
    if len(items) > MAX_BATCH:
        raise DomainError(
            f"observations: {MAX_BATCH} at most in one batch; this one has {len(items)}.",
            field="observations",
        )
    parsed: list[tuple[int, dict[str, Any], Any]] = []
    nodes: set[str] = set()
    for index, item in enumerate(items):
        at = f"observations[{index}]"
        if not isinstance(item, dict):
            raise DomainError(f"{at}: an object with a monitor or an artifact.", field=at)
        artifact = item.get("artifact")
        if item.get("monitor") is None and artifact is None:
            raise DomainError(
                f"{at}.monitor: required (a monitor's key), or an artifact and a metric.",
                field=f"{at}.monitor",
            )
        if isinstance(artifact, str):
            artifact = _text(artifact, f"{at}.artifact", 1200)
            if artifact.partition(":")[0] not in NODE_TYPES or not _candidates(artifact):
                raise DomainError(
                    f"{at}.artifact: an artifact id, or dataset:<namespace>:<name>.",
                    field=f"{at}.artifact",
                )
            nodes.add(artifact)
        elif artifact is not None and (isinstance(artifact, bool) or not isinstance(artifact, int)):
            raise DomainError(
                f"{at}.artifact: an artifact id, or dataset:<namespace>:<name>.",
                field=f"{at}.artifact",
            )
        parsed.append((index, item, artifact))
    artifact_of = _resolve_nodes(org, nodes)
    result: list[ObservationInput] = []
    for index, item, artifact in parsed:
        at = f"observations[{index}]"
        value = _number(item.get("value"), f"{at}.value")
        try:
            observed_at = parse_time(item.get("observed_at"), f"{at}.observed_at")
        except DomainError as error:
            raise DomainError(error.message, field=f"{at}.observed_at") from error
        if item.get("monitor") is not None:
            key = _text(item["monitor"], f"{at}.monitor")
            result.append(ObservationInput(value, observed_at, monitor_key=key))
            continue
        if isinstance(artifact, str):
            if artifact not in artifact_of:
                raise DomainError(
                    f"{at}.artifact: no artifact {artifact!r} in this organization.",
                    field=f"{at}.artifact",
                )
            artifact = artifact_of[artifact]
        metric = _text(item.get("metric"), f"{at}.metric")
        result.append(ObservationInput(value, observed_at, artifact_id=artifact, metric=metric))
    return result
