"""Every kind of page, on the demo, in Chromium at 1440×900 and 390×844: axe finds no serious
or critical violation, the page does not scroll sideways, and a region that scrolls sideways is
one the keyboard reaches and that says what it is (issue 15, items 6 and 8). Screenshots of
the phone pages go to tests/artifacts/phone-<page>.png.

The page kinds come from the app's URL map (every GET route that answers HTML), their ids from
the demo's Northwind Logistics records, so a new page is swept without a new line here. What
each page scored is also written to tests/artifacts/sweep/<page>.json.

Runs on SQLite only (tests/conftest.py): what it judges is the served HTML, script and layout,
the same on either database; the pages and actions are also tested through the test client
on both."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import url_for

from governance import create_app
from governance.database import utcnow
from governance.decisions.models import Decision
from governance.enums import CheckpointStatus, PhaseStatus, SeriousIncidentKind, Severity
from governance.extensions import db
from governance.gates.models import Checkpoint, ExitCriterion, Phase, StageGate
from governance.incidents import operations as incident_ops
from governance.incidents import serious_incidents
from governance.incidents.models import Incident
from governance.lineage.models import LineageArtifact, LineageEdge
from governance.maturity.models import Kpi, Objective
from governance.monitoring.models import Monitor
from governance.people.models import User
from governance.portfolio.models import Initiative, Organization, Program
from governance.risks.models import Risk
from tests.browser.harness import (
    ARTIFACTS,
    PHONE,
    WIDE,
    screenshot,
    serious_violations,
    sign_in,
    violation_details,
    wait_for_figures,
    widths,
)
from tests.conftest import LiveDemo, base_config

# GET routes that answer something other than a page: files, figures' data, health.
NOT_PAGES = {
    "static",
    "assets.plotly_js",
    "dashboards.favicon",
    "dashboards.portfolio_csv",
    "dashboards.organization_json",
    "dashboards.portfolio_json",
    "dashboards.organization_csv",
    "decisions.export",
    "decisions.verifier",
    "health.healthz",
    "operations.figure_csv",
    "operations.figure_json",
}
ORG = "northwind-logistics"
# Pages that need another kind of record than their variable's usual one.
RENAMED = {"lineage.rollback": {"artifact_id": "deployment_id"}}
INITIATIVE = "Parcel fraud scoring"


def page_endpoints() -> list[str]:
    app = create_app(base_config("sqlite://"))
    return sorted(
        {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or set())
            and not rule.rule.startswith("/api/")
            and rule.endpoint not in NOT_PAGES
        }
    )


PAGES = [*page_endpoints(), "not-found"]


def _an_incident(org: Organization, deployment: LineageArtifact | None) -> Incident:
    """Until the demo has incidents: a serious one on the deployment, acknowledged, with a
    note, so the incident page shows its deadline, timeline and actions."""
    admin = db.session.scalar(sa.select(User).filter_by(is_admin=True).order_by(User.id))
    assert admin is not None
    now = utcnow()
    opened = incident_ops.open_incident(
        org,
        admin,
        title="Fraud scores drifted",
        severity=Severity.SEV2,
        deployment=deployment,
        detected_at=now - timedelta(hours=6),
        impact_started_at=now - timedelta(hours=7),
    )
    incident_ops.acknowledge(opened, admin, now - timedelta(hours=5))
    incident_ops.add_note(opened, admin, "Rolled traffic to the previous model.")
    serious_incidents.mark_serious(opened, admin, SeriousIncidentKind.STANDARD)
    db.session.commit()
    return opened


def demo_values() -> dict[str, Any]:
    """A demo record for each path variable: Northwind's fraud-scoring initiative and its own."""
    org = db.session.scalar(sa.select(Organization).filter_by(slug=ORG))
    assert org is not None
    initiative = db.session.scalar(
        sa.select(Initiative).filter_by(organization_id=org.id, name=INITIATIVE)
    )
    assert initiative is not None
    phase = db.session.scalar(
        sa.select(Phase).filter_by(initiative_id=initiative.id, status=PhaseStatus.IN_PROGRESS)
    )
    assert phase is not None
    criterion = db.session.scalar(
        sa.select(ExitCriterion).filter_by(phase_id=phase.id).order_by(ExitCriterion.id)
    )
    gate = db.session.scalar(
        sa.select(StageGate).filter_by(initiative_id=initiative.id).order_by(StageGate.id)
    )
    pending = db.session.scalar(
        sa.select(Checkpoint)
        .filter_by(organization_id=org.id, status=CheckpointStatus.PENDING)
        .order_by(Checkpoint.id)
    )
    # A checkpoint's decision shows the frozen approval snapshot, the richest decision page.
    decision = db.session.scalar(
        sa.select(Decision)
        .filter_by(organization_id=org.id, kind="checkpoint_approved")
        .order_by(Decision.seq.desc())
    ) or db.session.scalar(sa.select(Decision).filter_by(organization_id=org.id))
    model = db.session.scalar(
        sa.select(LineageArtifact)
        .filter_by(organization_id=org.id, kind="model")
        .order_by(LineageArtifact.id)
    )
    deployment = db.session.scalar(
        sa.select(LineageArtifact)
        .filter_by(organization_id=org.id, kind="deployment")
        .order_by(LineageArtifact.id)
    )
    edge = db.session.scalar(sa.select(LineageEdge).filter_by(organization_id=org.id))
    risk = db.session.scalar(sa.select(Risk).filter_by(organization_id=org.id).order_by(Risk.id))
    objective = db.session.scalar(
        sa.select(Objective).filter_by(initiative_id=initiative.id).order_by(Objective.id)
    )
    kpi = db.session.scalar(sa.select(Kpi).filter_by(initiative_id=initiative.id).order_by(Kpi.id))
    program = db.session.scalar(
        sa.select(Program).filter_by(organization_id=org.id).order_by(Program.id)
    )
    auditor = db.session.scalar(sa.select(User).filter_by(email="auditor@example.com"))
    incident = db.session.scalar(
        sa.select(Incident)
        .filter_by(organization_id=org.id)
        .order_by(Incident.serious_kind.is_(None), Incident.id)
    ) or _an_incident(org, deployment)
    # The demo's monitors watch its production deployments (issue 16).
    monitor = db.session.scalar(
        sa.select(Monitor).filter_by(organization_id=org.id).order_by(Monitor.id)
    )
    records = {
        "criterion_id": criterion,
        "gate_id": gate,
        "checkpoint_id": pending,
        "artifact_id": model,
        "deployment_id": deployment,
        "edge_id": edge,
        "risk_id": risk,
        "incident_id": incident,
        "objective_id": objective,
        "kpi_id": kpi,
        "program_id": program,
        "user_id": auditor,
        "monitor_id": monitor,
    }
    found: dict[str, Any] = {name: record and record.id for name, record in records.items()}
    found.update(slug=org.slug, initiative_id=initiative.id, phase_id=phase.id)
    found["seq"] = decision and decision.seq
    missing = [name for name, value in found.items() if value is None]
    assert not missing, f"the demo has no record for {missing}"
    return found


@pytest.fixture(scope="module")
def page_urls(live_demo: LiveDemo) -> dict[str, str]:
    """Each page kind's path on the demo being served."""
    app = live_demo.app
    with app.test_request_context():
        values = demo_values()
        urls = {}
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PAGES and rule.endpoint not in urls:
                own = {
                    **values,
                    **{k: values[v] for k, v in RENAMED.get(rule.endpoint, {}).items()},
                }
                urls[rule.endpoint] = url_for(
                    rule.endpoint, **{name: own[name] for name in rule.arguments}
                )
        urls["not-found"] = url_for(
            "initiatives.show", slug=ORG, initiative_id=values["initiative_id"] + 10**6
        )
        db.session.remove()
    return urls


@pytest.fixture(scope="module")
def contexts(browser: Any, live_demo: LiveDemo) -> Any:
    """One signed-in admin page and one anonymous page for the module, reused page to page."""
    pages = {
        "admin": sign_in(browser, live_demo.url, "admin", WIDE),
        None: sign_in(browser, live_demo.url, None, WIDE),
    }
    yield pages
    for page in pages.values():
        page.context.close()


# Every region that scrolls sideways: the keyboard must reach it, and it must say what it is
# (axe's scrollable-region-focusable asks only the first; a screen reader needs the name).
UNNAMED_SCROLLERS = """() => [...document.querySelectorAll('main *')].filter(el => {
    const style = getComputedStyle(el);
    return el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(style.overflowX)
      && !(el.tabIndex >= 0 && el.getAttribute('role') === 'region'
           && el.getAttribute('aria-label'))
      && !el.closest('.js-plotly-plot, .lineage-chart');
  }).map(el => el.outerHTML.slice(0, 80))"""


def judge(page: Any, *, contrast: bool) -> dict[str, Any]:
    wait_for_figures(page)
    seen = widths(page)
    return {
        "axe": serious_violations(page, contrast=contrast),
        "scrollWidth": seen["scrollWidth"],
        "innerWidth": seen["innerWidth"],
        "unnamedScrollers": page.evaluate(UNNAMED_SCROLLERS),
    }


@pytest.mark.parametrize("kind", PAGES)
def test_page_has_no_serious_axe_violation_and_no_sideways_scroll(kind, page_urls, contexts):
    page = contexts[None if kind == "auth.login" else "admin"]
    url = page_urls[kind]
    results: dict[str, Any] = {"url": url}
    problems: list[str] = []
    # Loaded once, on the phone (where the width is at stake: charts laid out after a resize
    # would be measured before they settle), then widened to the laptop, where axe also checks
    # colour contrast (which does not change with the width).
    page.set_viewport_size(PHONE)
    response = page.goto(url)
    expected = 404 if kind == "not-found" else 200
    assert response.status == expected, f"{url} answered {response.status}"
    for name, viewport in (("390", PHONE), ("1440", WIDE)):
        page.set_viewport_size(viewport)
        seen = judge(page, contrast=name == "1440")
        results[name] = seen
        for rule, count in seen["axe"].items():
            where = "; ".join(violation_details(page, rule)[:3])
            problems.append(f"{name}: axe {rule} on {count} element(s): {where}")
        if seen["scrollWidth"] > seen["innerWidth"]:
            problems.append(
                f"{name}: scrolls sideways ({seen['scrollWidth']} px wide in {seen['innerWidth']})"
            )
        if seen["unnamedScrollers"]:
            problems.append(f"{name}: scrolls without a named region: {seen['unnamedScrollers']}")
        if name == "390":
            screenshot(page, f"phone-{kind}")
    out = ARTIFACTS / "sweep"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{kind}.json").write_text(json.dumps(results, indent=1))
    assert not problems, f"{url}:\n" + "\n".join(problems)
