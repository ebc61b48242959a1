"""The dashboards: which figures an organization's page and the portfolio show, and how each
is built from its SQL aggregate. Views, the API and the CSV downloads all come through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from governance import rollups
from governance.catalog import maturity_dimensions
from governance.dashboards import charts, sql
from governance.dashboards import maturity_queries as mq
from governance.dashboards import queries as q
from governance.dashboards.charts import Chart
from governance.enums import PHASE_TITLES, PhaseKind, PhaseStatus, label

PHASE_NAMES = [PHASE_TITLES[k] for k in PhaseKind]


STATUS_CODE = {
    PhaseStatus.NOT_STARTED: 0,
    PhaseStatus.IN_PROGRESS: 1,
    PhaseStatus.IN_REVIEW: 2,
    PhaseStatus.COMPLETE: 3,
}


STATUS_SCALE = [
    [0.0, "#EEF1F5"],
    [0.25, "#EEF1F5"],
    [0.25, charts.SKY],
    [0.5, charts.SKY],
    [0.5, charts.ORANGE],
    [0.75, charts.ORANGE],
    [0.75, charts.GREEN],
    [1.0, charts.GREEN],
]


@dataclass(frozen=True)
class Scope:
    """What a figure is about: one organization, or the organizations a person may see."""

    today: date
    org_id: int | None = None
    org_ids: list[int] | None = None


Builder = Callable[[Scope], Chart]


def _dimensions() -> list[tuple[str, str]]:
    return [(d["key"], d["name"]) for d in maturity_dimensions()]


def maturity_radar(scope: Scope) -> Chart:
    assert scope.org_id is not None
    rows = mq.maturity_radar(scope.org_id)
    dims = [(k, n) for k, n in _dimensions() if k in rows]
    names = [n for _, n in dims]
    series = [
        ("Latest", [rows[k].latest for k, _ in dims]),
        ("Previous", [rows[k].previous for k, _ in dims]),
        ("Target", [rows[k].target for k, _ in dims]),
    ]
    table = [
        [n, rows[k].latest, rows[k].previous, rows[k].target, rows[k].initiatives] for k, n in dims
    ]
    return Chart(
        "maturity_radar",
        "Maturity: latest vs previous vs target",
        "Organization maturity per dimension (1 Initial – 5 Optimized): the mean of every "
        "initiative's latest assessment, of the one before it, and of the target levels.",
        charts.radar("Maturity by dimension", names, series),
        ["Dimension", "Latest", "Previous", "Target", "Initiatives assessed"],
        table,
    )


def maturity_trend(scope: Scope) -> Chart:
    assert scope.org_id is not None
    rows = mq.maturity_trend(scope.org_id, scope.today)
    months = sorted({at for at, _, _ in rows})
    values = {(at, d): v for at, d, v in rows}
    dims = [(k, n) for k, n in _dimensions() if any((m, k) in values for m in months)]
    series = [(n, [values.get((m, k)) for m in months]) for k, n in dims]
    table = [[m, n, values[(m, k)]] for m in months for k, n in dims if (m, k) in values]
    return Chart(
        "maturity_trend",
        "Maturity trend per dimension",
        "At each month end, the mean score of every initiative's latest assessment by then.",
        charts.lines(
            "Maturity over the last 12 months", months, series, y_title="Level", y_range=[0.8, 5.2]
        ),
        ["Month end", "Dimension", "Mean level"],
        table,
    )


def program_maturity(scope: Scope) -> Chart:
    assert scope.org_id is not None
    return _maturity_heatmap(
        "program_maturity",
        "Maturity by program",
        "Each program's roll-up: the mean of its initiatives' latest scores per dimension.",
        "Program",
        mq.latest_maturity_by("program", [scope.org_id]),
    )


def portfolio_maturity(scope: Scope) -> Chart:
    return _maturity_heatmap(
        "portfolio_maturity",
        "Maturity by client",
        "Each organization's roll-up: the mean of its initiatives' latest scores per dimension.",
        "Organization",
        mq.latest_maturity_by("organization", scope.org_ids),
    )


def _maturity_heatmap(
    key: str, title: str, description: str, group: str, rows: list[tuple[Any, str, float]]
) -> Chart:
    groups = list(dict.fromkeys(g for g, _, _ in rows))
    values = {(g, d): v for g, d, v in rows}
    dims = [(k, n) for k, n in _dimensions() if any((g, k) in values for g in groups)]
    z = [[values.get((g, k)) for k, _ in dims] for g in groups]
    text = [[f"{v:.1f}" if v is not None else "" for v in row] for row in z]
    table = [[g, n, values[(g, k)]] for g in groups for k, n in dims if (g, k) in values]
    figure = charts.heatmap(
        title,
        [n for _, n in dims],
        groups,
        z,
        text=text,
        zmin=1,
        zmax=5,
        colorbar={"title": {"text": "Level"}, "tickvals": [1, 2, 3, 4, 5]},
    )
    return Chart(key, title, description, figure, [group, "Dimension", "Mean level"], table)


def phase_heatmap(scope: Scope) -> Chart:
    assert scope.org_id is not None
    cells = q.phase_matrix(scope.org_id)
    initiatives = list(dict.fromkeys((c.initiative_id, c.initiative) for c in cells))
    row_of = {iid: i for i, (iid, _) in enumerate(initiatives)}
    z: list[list[float | None]] = [[None] * len(PHASE_NAMES) for _ in initiatives]
    text = [[""] * len(PHASE_NAMES) for _ in initiatives]
    table = []
    for c in cells:
        r, col = row_of[c.initiative_id], c.position - 1
        z[r][col] = STATUS_CODE[c.status]
        text[r][col] = f"{label(c.status)}<br>{c.done}/{c.criteria}"
        table.append([c.initiative, PHASE_NAMES[col], label(c.status), c.done, c.criteria])
    figure = charts.heatmap(
        "Initiatives × phases",
        PHASE_NAMES,
        [name for _, name in initiatives],
        z,
        text=text,
        colorscale=STATUS_SCALE,
        zmin=-0.5,
        zmax=3.5,
        showscale=False,
    )
    return Chart(
        "phase_heatmap",
        "Initiatives × phases",
        "Each initiative's seven phases: status, and exit criteria met or waived of the total.",
        figure,
        ["Initiative", "Phase", "Status", "Criteria done", "Criteria"],
        table,
    )


def criteria_burndown(scope: Scope) -> Chart:
    assert scope.org_id is not None
    rows = q.burndown(scope.org_id, scope.today)
    weeks = [d for d, _, _ in rows]
    figure = charts.lines(
        "Exit criteria still open, week by week",
        weeks,
        [
            ("Open exit criteria", [float(o) for _, _, o in rows]),
            ("Criteria in started phases", [float(n) for _, n, _ in rows]),
        ],
        y_title="Exit criteria",
        counts=True,
    )
    return Chart(
        "criteria_burndown",
        "Exit-criteria burndown",
        "Each week: exit criteria of the phases started by then, and how many were still open.",
        figure,
        ["Week ending", "Criteria in started phases", "Still open"],
        [[d, n, o] for d, n, o in rows],
    )


def phase_cycle_time(scope: Scope) -> Chart:
    assert scope.org_id is not None
    rows = q.phase_cycle_times(scope.org_id)
    names = [PHASE_NAMES[p - 1] for p, *_ in rows]
    means = [mean for _, _, mean, _, _ in rows]
    figure = charts.bars(
        "Days from phase start to completion (mean, min–max)",
        names,
        [("Mean days", means)],
        axis_title="Days",
        error=(
            [round(hi - mean, 2) for _, _, mean, _, hi in rows],
            [round(mean - lo, 2) for _, _, mean, lo, _ in rows],
        ),
    )
    return Chart(
        "phase_cycle_time",
        "Phase cycle time",
        "Completed phases: mean days from start to completion, with the fastest and slowest.",
        figure,
        ["Phase", "Completed", "Mean days", "Min days", "Max days"],
        [[PHASE_NAMES[p - 1], n, mean, lo, hi] for p, n, mean, lo, hi in rows],
    )


def kpi_progress(scope: Scope) -> Chart:
    assert scope.org_id is not None
    rows = mq.kpi_status(scope.org_id)
    names = [f"{r.initiative} · {r.name}" for r in rows]
    progress = [r.progress for r in rows]
    colours = [charts.GREEN if (p or 0) >= 100 else charts.BLUE for p in progress]
    figure = charts.bars(
        "Latest measurement, as % of the way from baseline (0) to target (100)",
        names,
        [("Progress to target", progress)],
        horizontal=True,
        axis_title="% of the way from baseline to target",
        shapes=[
            _vline(0, charts.BLACK, "dot"),
            _vline(100, charts.VERMILLION, "dash"),
        ],
    )
    figure["data"][0]["marker"]["color"] = colours
    figure["data"][0]["text"] = [_kpi_text(r) for r in rows]
    figure["data"][0]["textposition"] = "none"
    figure["data"][0]["hovertemplate"] = "%{y}<br>%{text}<br>%{x}% to target<extra></extra>"
    figure["layout"]["showlegend"] = False
    return Chart(
        "kpi_progress",
        "KPI actual vs target",
        "Each KPI's latest measurement against its baseline and target; 100 % means the target "
        "is reached (green). Bars without a value lack a baseline, target or measurement.",
        figure,
        [
            "Initiative",
            "KPI",
            "Unit",
            "Direction",
            "Baseline",
            "Target",
            "Latest",
            "Measured on",
            "Measurements",
            "Progress %",
        ],
        [
            [
                r.initiative,
                r.name,
                r.unit,
                label(r.direction),
                _num(r.baseline),
                _num(r.target),
                _num(r.latest),
                r.measured_on,
                r.measurements,
                r.progress,
            ]
            for r in rows
        ],
    )


def _kpi_text(r: mq.KpiRow) -> str:
    return f"{_num(r.latest)} {r.unit} (baseline {_num(r.baseline)}, target {_num(r.target)})"


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _vline(x: float, colour: str, dash: str) -> dict[str, Any]:
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": {"color": colour, "dash": dash, "width": 2},
    }


def risk_heatmap(scope: Scope) -> Chart:
    org_ids = [scope.org_id] if scope.org_id is not None else scope.org_ids
    rows = q.risk_matrix(org_ids)
    counts = {(lk, im): n for lk, im, n in rows}
    impacts = [5, 4, 3, 2, 1]
    z: list[list[float | None]] = [
        [counts.get((lk, im), 0) for lk in range(1, 6)] for im in impacts
    ]
    text = [[str(int(v)) if v else "" for v in row] for row in z]
    # Counts: the colour bar ticks whole numbers from 0 to the largest cell (at least 1).
    largest = max((int(v or 0) for row in z for v in row), default=0) or 1
    figure = charts.heatmap(
        "Active risks by likelihood × impact",
        [f"Likelihood {lk}" for lk in range(1, 6)],
        [f"Impact {im}" for im in impacts],
        z,
        text=text,
        zmin=0,
        zmax=largest,
        colorbar={"title": {"text": "Risks"}, **charts.count_ticks(largest)},
        height=380,
    )
    table = [
        [lk, im, lk * im, n]
        for (lk, im), n in sorted(counts.items(), key=lambda i: -i[0][0] * i[0][1])
    ]
    return Chart(
        "risk_heatmap",
        "Risk heatmap",
        "Risks not closed, by likelihood and impact (1–5); a score of 15 or more is high.",
        figure,
        ["Likelihood", "Impact", "Score", "Risks"],
        table,
    )


def portfolio_progress(scope: Scope) -> Chart:
    rows = q.progress_by_organization(scope.org_ids)
    orgs = list(dict.fromkeys(name for _, name, _, _ in rows))
    counts = {(name, pos): n for _, name, pos, n in rows}
    stages = [*PHASE_NAMES, "All phases complete"]
    series = [
        (stage, [float(counts.get((o, i + 1), 0)) for o in orgs]) for i, stage in enumerate(stages)
    ]
    figure = charts.bars(
        "Initiatives by current phase",
        orgs,
        series,
        horizontal=True,
        stacked=True,
        axis_title="Initiatives",
        counts=True,
    )
    return Chart(
        "portfolio_progress",
        "Progress by client",
        "Each organization's initiatives by the phase they are in now.",
        figure,
        ["Organization", "Current phase", "Initiatives"],
        [[name, stages[pos - 1], n] for _, name, pos, n in rows],
    )


def portfolio_attention(scope: Scope) -> Chart:
    rows = q.attention_by_organization(scope.org_ids, scope.today)
    orgs = [r.name for r in rows]
    series = [
        ("Overdue exit criteria", [float(r.overdue_criteria) for r in rows]),
        (f"KPIs not measured in {q.KPI_FRESH_DAYS} days", [float(r.stale_kpis) for r in rows]),
        ("High risks open", [float(r.high_risks) for r in rows]),
        ("Initiatives not assessed in 6 months", [float(r.unassessed) for r in rows]),
    ]
    colours = [charts.VERMILLION, charts.ORANGE, charts.PURPLE, charts.BLUE]
    figure = charts.bars(
        "What is overdue or waiting", orgs, series, horizontal=True, colours=colours, counts=True
    )
    figure["layout"]["xaxis"]["title"]["text"] = "Count"
    return Chart(
        "portfolio_attention",
        "Overdue or waiting, by client",
        "Per organization: overdue exit criteria, stale KPIs, open high risks (score ≥ 15) and "
        "initiatives without a recent maturity assessment.",
        figure,
        ["Organization", *[name for name, _ in series]],
        [[r.name, r.overdue_criteria, r.stale_kpis, r.high_risks, r.unassessed] for r in rows],
    )


CHANGES = {
    "recorded": "Decisions recorded",
    "approval": "High-impact approvals",
    "status_change": "Status changes",
    "correction": "Corrections",
}


def decisions_over_time(scope: Scope) -> Chart:
    assert scope.org_id is not None
    rows = q.decisions_by_month(scope.org_id, scope.today)
    months = [m.strftime("%Y-%m") for m in sql.month_ends(scope.today, 12)]
    counts = {(m, change): n for m, change, n in rows}
    kinds = [c for c in CHANGES if any((m, c) in counts for m in months)]
    kinds += sorted({c for _, c, _ in rows} - set(kinds))
    series = [
        (CHANGES.get(c, label(c)), [float(counts.get((m, c), 0)) for m in months]) for c in kinds
    ]
    figure = charts.bars(
        "Decision-log entries per month",
        months,
        series,
        stacked=True,
        axis_title="Entries",
        counts=True,
    )
    return Chart(
        "decisions_over_time",
        "Decisions over time",
        "Entries appended to the decision log each month: new decisions, approvals of "
        "high-impact ones, status changes and corrections.",
        figure,
        ["Month", "Entry", "Entries"],
        [[m, CHANGES.get(c, label(c)), n] for m, c, n in rows],
    )


def _kept(key: str, build: Builder) -> Builder:
    """An organization's figure, rebuilt only when its data version or the day changes.

    The one roll-up that ends up holding HTML: the kept Chart keeps its rendered JSON block
    and table (Chart's cached properties) once a page has shown it. Measured for issue 13,
    rendering them on every view would cost the dashboard several times its time at scale L,
    so this fragment cache pays; it lives and dies with the figure's data version."""

    def kept(scope: Scope) -> Chart:
        assert scope.org_id is not None
        return rollups.one_organization(
            f"figure:{key}", scope.org_id, scope.today, lambda: build(scope)
        )

    return kept


ORGANIZATION_FIGURES: dict[str, Builder] = {
    key: _kept(key, build)
    for key, build in {
        "maturity_radar": maturity_radar,
        "maturity_trend": maturity_trend,
        "program_maturity": program_maturity,
        "phase_heatmap": phase_heatmap,
        "criteria_burndown": criteria_burndown,
        "phase_cycle_time": phase_cycle_time,
        "kpi_progress": kpi_progress,
        "risk_heatmap": risk_heatmap,
        "decisions_over_time": decisions_over_time,
    }.items()
}


PORTFOLIO_FIGURES: dict[str, Builder] = {
    "portfolio_maturity": portfolio_maturity,
    "portfolio_progress": portfolio_progress,
    "portfolio_attention": portfolio_attention,
    "risk_heatmap": risk_heatmap,
}


def organization_charts(org_id: int, today: date) -> list[Chart]:
    scope = Scope(today, org_id=org_id)
    return [build(scope) for build in ORGANIZATION_FIGURES.values()]


def portfolio_charts(org_ids: list[int] | None, today: date) -> list[Chart]:
    scope = Scope(today, org_ids=org_ids)
    return [build(scope) for build in PORTFOLIO_FIGURES.values()]
