"""The demo installation holds every kind of checkpoint, and the PMO can work the queue."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.enums import CheckpointStatus, PhaseStatus
from governance.gates.approvals import approval_state, approved_snapshot
from governance.gates.models import Checkpoint, ExitCriterion, Phase
from governance.people.models import User


@pytest.fixture
def demo(demo_data, db):
    return {u.email: u for u in db.session.scalars(sa.select(User))}


def test_the_demo_has_pending_approved_rejected_waived_and_stale(demo, db):
    statuses = set(db.session.scalars(sa.select(Checkpoint.status)))
    assert statuses == set(CheckpointStatus)
    waiver = db.session.scalar(sa.select(ExitCriterion).where(ExitCriterion.status == "waived"))
    assert db.session.get(Decision, waiver.waived_by_decision_id).kind == "waiver"
    approved = db.session.scalars(
        sa.select(Checkpoint).where(Checkpoint.status == CheckpointStatus.APPROVED)
    ).all()
    stale = [c for c in approved if approval_state(c, approved_snapshot(c)).stale]
    assert [c.initiative.name for c in stale] == ["Claims triage"]
    # Completed demo phases went through approved checkpoints, back-dated.
    complete = db.session.scalars(sa.select(Phase).where(Phase.status == PhaseStatus.COMPLETE))
    assert all(p.started_at < p.completed_at for p in complete)


def test_the_pmo_approves_from_a_non_empty_queue_in_two_clicks(demo, app, db):
    client = app.test_client(user=demo["pmo@example.com"])
    html = client.get("/reviews").get_data(as_text=True)
    assert "Route ETA prediction" in html and "Sort-centre volume forecasting" in html
    assert "Overdue" in html and "1 criterion reopened since the request" in html
    links = re.findall(r'href="([^"]*outcome=approved[^"]*)"', html)
    page = client.get(links[-1].replace("&amp;", "&")).get_data(as_text=True)  # the newest
    action = re.search(r'<form method="post" action="([^"]*/decide)"', page).group(1)
    response = client.post(action, data={"outcome": "approved", "back": "reviews"})
    assert response.status_code == 302
    eta = db.session.scalar(
        sa.select(Checkpoint).where(Checkpoint.id == int(action.split("/")[-2]))
    )
    assert eta.status == CheckpointStatus.APPROVED


def test_the_overdue_checkpoint_with_a_reopened_criterion_cannot_be_approved(demo, app, db):
    client = app.test_client(user=demo["pmo@example.com"])
    reopened = db.session.scalar(
        sa.select(Checkpoint)
        .join(Phase, Checkpoint.phase_id == Phase.id)
        .join(ExitCriterion, ExitCriterion.phase_id == Phase.id)
        .where(
            Checkpoint.status == CheckpointStatus.PENDING,
            ExitCriterion.title == "Reproducible across environments",
        )
    )
    reason = "1 criterion open: Reproducible across environments"
    queue = client.get("/reviews").get_data(as_text=True)
    # The queue offers no Approve… link for it: a disabled control says why.
    assert f"checkpoints/{reopened.id}?outcome=approved" not in queue
    assert f'id="approve-{reopened.id}-why">{reason}</span>' in queue
    page = client.get(f"/orgs/northwind-logistics/checkpoints/{reopened.id}?outcome=approved")
    html = page.get_data(as_text=True)
    approve = re.search(r'<input aria-describedby="approve-why"([^>]*)>', html).group(1)
    assert " disabled " in approve and 'value="approved"' in approve
    assert f'<span class="why-not" id="approve-why">{reason}</span>' in html
    action = re.search(r'<form method="post" action="([^"]*/decide)"', html).group(1)
    refused = client.post(action, data={"outcome": "approved"})
    assert refused.status_code == 400
    assert "1 exit criterion is still open: Reproducible across environments" in refused.get_data(
        as_text=True
    )


@pytest.mark.parametrize("email", ["auditor@example.com", "contributor@example.com"])
def test_an_auditor_or_contributor_posting_a_decision_is_refused(demo, app, db, email):
    pending = db.session.scalar(
        sa.select(Checkpoint)
        .where(Checkpoint.status == CheckpointStatus.PENDING)
        .order_by(Checkpoint.id)
    )
    client = app.test_client(user=demo[email])
    url = f"/orgs/{pending.organization.slug}/checkpoints/{pending.id}/decide"
    response = client.post(url, data={"outcome": "approved", "comment": "ok"})
    assert response.status_code == 403
    db.session.expire_all()
    assert pending.status == CheckpointStatus.PENDING


def test_the_initiative_page_evaluates_no_rule_and_shows_its_stale_approvals(
    demo, app, db, monkeypatch
):
    """The gates, then every approval against the facts it relied on, read from the results
    kept on the criteria (issue 14): the page evaluates no rule, whatever the number of
    approvals (and the stale one still shows)."""
    from collections import Counter

    from governance.gates import state
    from governance.portfolio.models import Initiative, Organization

    evaluated: Counter[str] = Counter()
    real = state.evaluate

    def counting(rule, initiative, *args, **kwargs):
        evaluated[rule] += 1
        return real(rule, initiative, *args, **kwargs)

    monkeypatch.setattr(state, "evaluate", counting)
    claims = db.session.scalar(sa.select(Initiative).where(Initiative.name == "Claims triage"))
    approvals = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Checkpoint)
        .where(
            Checkpoint.initiative_id == claims.id, Checkpoint.status == CheckpointStatus.APPROVED
        )
    )
    assert approvals >= 2
    slug = db.session.get(Organization, claims.organization_id).slug
    client = app.test_client(user=demo["leader@example.com"])
    html = client.get(f"/orgs/{slug}/initiatives/{claims.id}").get_data(as_text=True)
    assert "changed since" in html.lower() or "stale" in html.lower()
    assert not evaluated, evaluated
