"""The monitor pages in Chromium, on the demo with a monitor added to its first production
deployment: at 390 and 1440 px wide, axe finds no serious violation, nothing scrolls
sideways, and the monitors table scrolls in a named, focusable region."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from governance.database import utcnow
from governance.enums import ArtifactKind, Comparator, MonitorSignal
from governance.extensions import db
from governance.lineage.models import LineageArtifact
from governance.monitoring import operations as ops
from governance.people.models import User
from governance.portfolio.models import Organization
from tests.browser.harness import PHONE, WIDE, serious_violations, sign_in, widths
from tests.browser.test_page_sweep import UNNAMED_SCROLLERS

ORG = "northwind-logistics"


@pytest.fixture(scope="module")
def monitor_paths(live_demo) -> dict[str, str]:
    with live_demo.app.app_context():
        org = db.session.scalar(sa.select(Organization).filter_by(slug=ORG))
        deployment = db.session.scalar(
            sa.select(LineageArtifact)
            .filter_by(organization_id=org.id, kind=ArtifactKind.DEPLOYMENT)
            .order_by(LineageArtifact.id)
        )
        admin = db.session.scalar(sa.select(User).filter_by(is_admin=True).order_by(User.id))
        monitor = ops.create_monitor(
            org,
            admin,
            deployment,
            key="browser-auc",
            name="Fraud model AUC on live traffic",
            signal=MonitorSignal.MODEL_PERFORMANCE,
            metric="auc",
            comparator=Comparator.AT_LEAST,
            threshold=0.85,
        )
        now = utcnow()
        ops.record_observations(
            org,
            None,
            [
                ops.ObservationInput(0.8 + i / 100, now - timedelta(minutes=i), "browser-auc")
                for i in range(60)
            ],
        )
        db.session.commit()
        base = f"/orgs/{ORG}"
        paths = {
            "deployment": f"{base}/lineage/{deployment.id}",
            "monitor": f"{base}/monitors/{monitor.id}",
            "new": f"{base}/monitors/new?deployment={deployment.id}",
            "edit": f"{base}/monitors/{monitor.id}/edit",
        }
        db.session.remove()
    return paths


@pytest.mark.parametrize("name", ["deployment", "monitor", "new", "edit"])
def test_monitor_pages_in_the_browser(browser: Any, live_demo, monitor_paths, name):
    page = sign_in(browser, live_demo.url, "admin", PHONE)
    try:
        response = page.goto(monitor_paths[name])
        assert response.status == 200
        for viewport in (PHONE, WIDE):
            page.set_viewport_size(viewport)
            assert serious_violations(page, contrast=viewport == WIDE) == {}
            seen = widths(page)
            assert seen["scrollWidth"] <= seen["innerWidth"], (name, viewport, seen)
            assert page.evaluate(UNNAMED_SCROLLERS) == []
        label = {"deployment": "Monitors of", "monitor": "Observations of"}.get(name)
        if label:
            assert page.locator(f'[role=region][tabindex="0"][aria-label^="{label}"]').count() == 1
    finally:
        page.context.close()
