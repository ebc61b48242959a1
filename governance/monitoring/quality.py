"""OpenLineage data-quality facets as observations of the dataset they describe.

A run event received at `POST /api/v1/lineage` may carry, on its datasets:

- `dataQualityMetrics` (the input facet `inputFacets.dataQualityMetrics`, deprecated in the
  spec, or the dataset facet `facets.dataQualityMetrics` that replaces it, on inputs or
  outputs): `rowCount`, `bytes`, `fileCount`, and per column `nullCount`, `distinctCount`,
  `sum`, `count`, `min`, `max`, `quantiles`;
- `dataQualityAssertions` (`inputFacets`, or `facets`): `[{"assertion": "not_null",
  "success": false, "column": "customer_id"}]`.

Each number becomes an observation of that dataset, at the event's time, with these metric
names (what a data-quality monitor's metric names):

    rowCount, bytes, fileCount
    columnMetrics.<column>.nullCount (distinctCount, sum, count, min, max)
    columnMetrics.<column>.quantiles.<quantile>
    assertion.<assertion>             (an assertion on the whole dataset)
    assertion.<assertion>.<column>    1.0 when it succeeded, 0.0 when it failed

so a monitor `assertion.not_null.customer_id at least 1` breaches on a failing assertion.
Recorded once per event: the lineage ingest calls this only for an event new to it.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from governance.enums import ObservationSource
from governance.monitoring.operations import (
    ObservationInput,
    ObservationsRecorded,
    record_observations,
)
from governance.portfolio.models import Organization

METRICS = "dataQualityMetrics"
ASSERTIONS = "dataQualityAssertions"
TOP_METRICS = ("rowCount", "bytes", "fileCount")
COLUMN_METRICS = ("nullCount", "distinctCount", "sum", "count", "min", "max")
MAX_METRIC = 120  # the observation's metric column


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # a whole number past any float: not a measurement
        return None
    return number if math.isfinite(number) else None


def _metrics(facet: Any, out: dict[str, float]) -> None:
    if not isinstance(facet, dict):
        return
    for name in TOP_METRICS:
        number = _number(facet.get(name))
        if number is not None:
            out[name] = number
    columns = facet.get("columnMetrics")
    if not isinstance(columns, dict):
        return
    for column, metrics in columns.items():
        if not isinstance(metrics, dict):
            continue
        for name in COLUMN_METRICS:
            number = _number(metrics.get(name))
            if number is not None:
                out[f"columnMetrics.{column}.{name}"] = number
        quantiles = metrics.get("quantiles")
        if isinstance(quantiles, dict):
            for q, value in quantiles.items():
                number = _number(value)
                if number is not None:
                    out[f"columnMetrics.{column}.quantiles.{q}"] = number


def _assertions(facet: Any, out: dict[str, float]) -> None:
    items = facet.get("assertions") if isinstance(facet, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("success"), bool):
            continue
        assertion, column = item.get("assertion"), item.get("column")
        if not isinstance(assertion, str) or not assertion:
            continue
        name = f"assertion.{assertion}" + (
            f".{column}" if isinstance(column, str) and column else ""
        )
        # The same assertion twice in one event: one failure is a failure.
        out[name] = min(out.get(name, 1.0), 1.0 if item["success"] else 0.0)


def quality_metrics(*facet_groups: dict[str, Any]) -> dict[str, float]:
    """Metric name -> value from a dataset's facet groups (`facets`, `inputFacets`,
    `outputFacets`); later groups win for the same metric."""
    out: dict[str, float] = {}
    for facets in facet_groups:
        if not isinstance(facets, dict):
            continue
        _metrics(facets.get(METRICS), out)
        _assertions(facets.get(ASSERTIONS), out)
    return {name: value for name, value in out.items() if len(name) <= MAX_METRIC}


def record_quality(
    org: Organization,
    datasets: list[tuple[int, list[dict[str, Any]]]],
    observed_at: datetime,
    lineage_event_id: int,
) -> ObservationsRecorded | None:
    """Record the data-quality observations of one event's datasets ((artifact id, facet
    groups) pairs); None when the event carries none. Flushes, never commits."""
    items = [
        ObservationInput(value, observed_at, artifact_id=artifact_id, metric=metric)
        for artifact_id, groups in datasets
        for metric, value in quality_metrics(*groups).items()
    ]
    if not items:
        return None
    return record_observations(
        org, None, items, source=ObservationSource.OPENLINEAGE, lineage_event_id=lineage_event_id
    )
