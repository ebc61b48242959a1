"""The operations page's numbers and figures: one `Report` (a handful of queries) feeds the
page's tiles and tables, its figures, their CSV and JSON, and the API, so they always agree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from governance.dashboards import charts
from governance.dashboards.charts import Chart
from governance.dashboards.sql import month_ends
from governance.enums import Severity
from governance.incidents import dora, metrics
from governance.incidents.dora import Deployments
from governance.incidents.metrics import ALL, Filters, Times

MONTHS = 12
SEVERITY_COLOURS = [charts.VERMILLION, charts.ORANGE, charts.BLUE, charts.SKY]


@dataclass
class Report:
    """An organization's operations numbers at `now`, optionally narrowed by `filters`."""

    now: datetime
    target_minutes: int
    filters: Filters
    months: list[str]
    times: dict[str, Times]
    severity: dict[tuple[str, Severity], int]
    deploys: dict[str, Deployments]
    recent: Times
    recent_deploys: Deployments
    open: dict[Severity, int] = field(default_factory=dict)

    @property
    def since(self) -> datetime:
        return self.now - timedelta(days=metrics.HEADLINE_DAYS)

    @property
    def open_total(self) -> int:
        return sum(self.open.values())

    @property
    def worst_open(self) -> Severity | None:
        return metrics.worst(self.open)

    @property
    def mttr_within_target(self) -> bool | None:
        if self.recent.mttr is None:
            return None
        return self.recent.mttr <= self.target_minutes

    @property
    def deployments_per_month(self) -> float:
        """Deployment events of the last 90 days per 30 days."""
        return round(self.recent_deploys.deployments * 30 / metrics.HEADLINE_DAYS, 2)


def first_moment(months: list[str]) -> datetime:
    return datetime.combine(date.fromisoformat(months[0] + "-01"), time(), tzinfo=UTC)


def report(
    organization_id: int, target_minutes: int, now: datetime, filters: Filters = ALL
) -> Report:
    months = [m.strftime("%Y-%m") for m in month_ends(now.date(), MONTHS)]
    start, recent = first_moment(months), now - timedelta(days=metrics.HEADLINE_DAYS)
    return Report(
        now=now,
        target_minutes=target_minutes,
        filters=filters,
        months=months,
        times=metrics.times_by_month(organization_id, start, filters),
        severity=metrics.severity_by_month(organization_id, start, filters),
        deploys=dora.deployments_by_month(organization_id, start, filters),
        recent=metrics.times(organization_id, recent, now, filters),
        recent_deploys=dora.deployments(organization_id, recent, now, filters),
        open=metrics.open_by_severity([organization_id], filters)[organization_id],
    )


def incident_times(r: Report) -> Chart:
    rows = [(m, r.times.get(m, Times())) for m in r.months]
    figure = charts.lines(
        "Mean minutes to detect, acknowledge and restore, by month of detection",
        r.months,
        [
            ("MTTD", [t.mttd for _, t in rows]),
            ("MTTA", [t.mtta for _, t in rows]),
            ("MTTR", [t.mttr for _, t in rows]),
        ],
        y_title="Minutes",
    )
    figure["layout"]["shapes"] = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": r.target_minutes,
            "y1": r.target_minutes,
            "line": {"color": charts.VERMILLION, "dash": "dash", "width": 1},
        }
    ]
    return Chart(
        "incident_times",
        "MTTD, MTTA and MTTR per month",
        "Incidents by the month they were detected in: mean minutes from impact to detection "
        "(MTTD), detection to acknowledgement (MTTA, acknowledged ones) and detection to "
        f"resolution (MTTR, resolved ones). Dashed: the MTTR target, {r.target_minutes} min.",
        figure,
        ["Month", "Incidents", "MTTD (min)", "Acknowledged", "MTTA (min)", "Resolved"]
        + ["MTTR (min)"],
        [
            [m, t.incidents, t.mttd, t.acknowledged, t.mtta, t.resolved, t.mttr]
            for m, t in rows
            if t.incidents
        ],
    )


def incidents_by_severity(r: Report) -> Chart:
    series = [(s.label, [float(r.severity.get((m, s), 0)) for m in r.months]) for s in Severity]
    figure = charts.bars(
        "Incidents detected per month, by severity",
        r.months,
        series,
        stacked=True,
        axis_title="Incidents",
        colours=SEVERITY_COLOURS,
        counts=True,
    )
    rows = [
        [m, *[r.severity.get((m, s), 0) for s in Severity]]
        for m in r.months
        if any(r.severity.get((m, s)) for s in Severity)
    ]
    return Chart(
        "incidents_by_severity",
        "Incidents by severity",
        "Incidents by the month they were detected in and their severity now (SEV1 the worst).",
        figure,
        ["Month", *[s.label for s in Severity]],
        rows,
    )


def _deploy_rows(r: Report) -> list[tuple[str, Deployments]]:
    return [(m, r.deploys.get(m, Deployments())) for m in r.months]


def _deploy_table(r: Report) -> list[list[object]]:
    return [
        [m, d.deployments, d.failed, d.change_failure_rate, d.lead_time_hours]
        for m, d in _deploy_rows(r)
        if d.deployments
    ]


DEPLOY_COLUMNS = [
    "Month",
    "Deployments",
    "Followed by an incident",
    "Change failure rate %",
    "Mean lead time (h)",
]


def deployment_frequency(r: Report) -> Chart:
    rows = _deploy_rows(r)
    figure = charts.bars(
        "Model versions deployed per month",
        r.months,
        [
            ("Deployments", [float(d.deployments - d.failed) for _, d in rows]),
            ("Followed by an incident", [float(d.failed) for _, d in rows]),
        ],
        stacked=True,
        axis_title="Deployments",
        colours=[charts.BLUE, charts.VERMILLION],
        counts=True,
    )
    figure["data"][0]["name"] = "Without an incident"
    return Chart(
        "deployment_frequency",
        "Deployment frequency",
        "Model versions deployed (a deployed-as link in the lineage) per month, split by "
        f"whether an incident on the deployment followed within {dora.CHANGE_FAILURE_DAYS} "
        "days and before its next deployment.",
        figure,
        DEPLOY_COLUMNS,
        _deploy_table(r),
    )


def change_failure_rate(r: Report) -> Chart:
    figure = charts.lines(
        "Share of deployments followed by an incident",
        r.months,
        [("Change failure rate", [d.change_failure_rate for _, d in _deploy_rows(r)])],
        y_title="%",
        y_range=[0, 100],
    )
    return Chart(
        "change_failure_rate",
        "Change failure rate",
        "Per month of deployment: the percent of deployments after which an incident on that "
        f"deployment was detected within {dora.CHANGE_FAILURE_DAYS} days and before its next "
        "deployment.",
        figure,
        DEPLOY_COLUMNS,
        _deploy_table(r),
    )


def lead_time(r: Report) -> Chart:
    figure = charts.lines(
        "Mean hours from model version registered to deployed",
        r.months,
        [("Mean lead time", [d.lead_time_hours for _, d in _deploy_rows(r)])],
        y_title="Hours",
    )
    return Chart(
        "lead_time",
        "Lead time for changes",
        "Per month of deployment: the mean hours from a model version's registration in the "
        "lineage to its deployment.",
        figure,
        DEPLOY_COLUMNS,
        _deploy_table(r),
    )


FIGURES: dict[str, Callable[[Report], Chart]] = {
    "incident_times": incident_times,
    "incidents_by_severity": incidents_by_severity,
    "deployment_frequency": deployment_frequency,
    "change_failure_rate": change_failure_rate,
    "lead_time": lead_time,
}
