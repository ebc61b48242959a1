"""Checkpoints on the web: the review queue, a checkpoint's page and decision, requests,
waivers and re-reviews of stale approvals. Thin views: load + authorize, operate, commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from governance.enums import CheckpointStatus
from governance.extensions import db
from governance.gates import checkpoints as ops
from governance.gates import criteria as criteria_ops
from governance.gates import phases as phase_ops
from governance.gates import queries as q
from governance.gates.approvals import approved_snapshot
from governance.gates.assessment import assess, subject_of
from governance.gates.forms import (
    CheckpointDecisionForm,
    CheckpointRequestForm,
    ReviewAgainForm,
    WaiverForm,
)
from governance.gates.models import Checkpoint
from governance.loaders import (
    get_checkpoint,
    get_initiative,
    get_initiative_criterion,
    get_organization,
    get_phase,
    get_stage_gate,
)
from governance.permissions import Action, can, offer
from governance.portfolio.models import Organization
from governance.web.helpers import form_status, save
from governance.web.inputs import query_int
from governance.web.links import back_to, criterion_url

bp = Blueprint("checkpoints", __name__)


@bp.get("/reviews")
@login_required
def queue() -> ResponseReturnValue:
    """Keyset pages of 50, oldest first: `after` pages the checkpoints to decide, `mine_after`
    the person's own requests. A cursor that is not an id of the list shows its first page."""
    today = date.today()
    return render_template("gates/queue.html", **_queue_lists(today), today=today)


@bp.get("/orgs/<slug>/reviews")
@login_required
def organization_queue(slug: str) -> ResponseReturnValue:
    """One organization's part of /reviews (the same lists, rule and query). Whoever does not
    decide its checkpoints sees every one waiting there instead, to read."""
    org = get_organization(slug)
    decides = can(current_user, Action.DECIDE_CHECKPOINT, org)
    lists = _queue_lists(date.today(), org.id, everyone=not decides)
    return render_template("gates/organization_queue.html", org=org, decides=decides, **lists)


def _queue_lists(
    today: date, organization_id: int | None = None, everyone: bool = False
) -> dict[str, Any]:
    """The two lists of a review page, as its template names them, at the pages `after` and
    `mine_after` ask for."""
    after = query_int("after")
    mine_after = query_int("mine_after")
    bad = any(
        request.args.get(name) and value is None
        for name, value in (("after", after), ("mine_after", mine_after))
    )
    page = q.review_queue_page(
        current_user, today, after=after, organization_id=organization_id, everyone=everyone
    )
    mine = q.review_queue_page(
        current_user, today, mine=True, after=mine_after, organization_id=organization_id
    )
    return {
        "page": page,
        "rows": page.rows,
        "mine_page": mine,
        "mine": mine.rows,
        "bad_cursor": bad or page.bad_cursor or mine.bad_cursor,
    }


def _page(org: Organization, checkpoint: Checkpoint, form=None, again=None, status=200):
    if form is None:
        form = CheckpointDecisionForm(back=request.args.get("back", ""))
        wanted = request.args.get("outcome", "")
        refused = (
            wanted == CheckpointStatus.APPROVED
            and not offer(current_user, Action.APPROVE_CHECKPOINT, checkpoint).allowed
        )
        if wanted in {c.value for c in CheckpointStatus} and not refused:
            form.outcome.data = wanted
    return render_template(
        "gates/show.html",
        org=org,
        checkpoint=checkpoint,
        page=q.checkpoint_page(checkpoint, date.today()),
        form=form,
        again_form=again or ReviewAgainForm(),
    ), status


@bp.get("/orgs/<slug>/checkpoints/<int:checkpoint_id>")
@login_required
def show(slug: str, checkpoint_id: int) -> ResponseReturnValue:
    org = get_organization(slug)
    return _page(org, get_checkpoint(org, checkpoint_id))


@bp.post("/orgs/<slug>/checkpoints/<int:checkpoint_id>/decide")
@login_required
def decide(slug: str, checkpoint_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.DECIDE)
    checkpoint = get_checkpoint(org, checkpoint_id)
    form = CheckpointDecisionForm()
    saved = save(
        form,
        lambda: ops.decide(
            checkpoint, current_user, form.outcome.data or "", form.comment.data or ""
        ),
        success=lambda _: _decided(checkpoint),
        redirect_to=url_for("checkpoints.queue")
        if form.back.data == "reviews"
        else url_for("checkpoints.show", slug=org.slug, checkpoint_id=checkpoint.id),
        refused=lambda error: _page(org, checkpoint, form=form, status=error.status),
    )
    if saved is not None:
        return saved
    return _page(org, checkpoint, form=form, status=400)


def _decided(checkpoint: Checkpoint) -> str:
    if checkpoint.is_pending:
        return (
            f"Your approval of {_subject(checkpoint)} is recorded: a second approver (leader,"
            " PMO or admin, not the requester) is needed before it passes."
        )
    return f"Checkpoint {ops.OUTCOMES[checkpoint.status]}: {_subject(checkpoint)}."


@bp.post("/orgs/<slug>/checkpoints/<int:checkpoint_id>/review-again")
@login_required
def review_again(slug: str, checkpoint_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.DECIDE)
    checkpoint = get_checkpoint(org, checkpoint_id)
    form = ReviewAgainForm()
    saved = save(
        form,
        lambda: ops.review_again(
            checkpoint, current_user, form.comment.data or "", approved_snapshot(checkpoint)
        ),
        success="The approval was reviewed again against the current facts.",
        redirect_to=url_for("checkpoints.show", slug=org.slug, checkpoint_id=checkpoint.id),
        refused=lambda error: _page(org, checkpoint, again=form, status=error.status),
    )
    if saved is not None:
        return saved
    return _page(org, checkpoint, again=form, status=400)


def _subject(checkpoint: Checkpoint) -> str:
    return subject_of(checkpoint.phase, checkpoint.stage_gate, checkpoint.initiative)


@bp.route(
    "/orgs/<slug>/initiatives/<int:initiative_id>/phases/<int:phase_id>/checkpoint",
    methods=["GET", "POST"],
)
@login_required
def request_phase(slug: str, initiative_id: int, phase_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.REQUEST_CHECKPOINT)
    initiative = get_initiative(org, initiative_id)
    phase = get_phase(initiative, phase_id)
    return _request(org, initiative, phase=phase)


@bp.route(
    "/orgs/<slug>/initiatives/<int:initiative_id>/stage-gates/<int:gate_id>/checkpoint",
    methods=["GET", "POST"],
)
@login_required
def request_gate(slug: str, initiative_id: int, gate_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.REQUEST_CHECKPOINT)
    initiative = get_initiative(org, initiative_id)
    gate = get_stage_gate(initiative, gate_id)
    return _request(org, initiative, gate=gate)


def _request(org, initiative, *, phase=None, gate=None) -> ResponseReturnValue:
    form = CheckpointRequestForm()

    def request_checkpoint() -> Checkpoint:
        if phase is not None:
            return ops.request_phase_checkpoint(phase, current_user, form.note.data or "")
        return ops.request_stage_gate_checkpoint(gate, current_user, form.note.data or "")

    saved = save(
        form,
        request_checkpoint,
        success=lambda checkpoint: f"Checkpoint requested for {_subject(checkpoint)}.",
        redirect_to=lambda checkpoint: url_for(
            "checkpoints.show", slug=org.slug, checkpoint_id=checkpoint.id
        ),
    )
    if saved is not None:
        return saved
    criteria = phase.criteria if phase is not None else gate.criteria
    return render_template(
        "gates/request.html",
        org=org,
        initiative=initiative,
        subject=subject_of(phase, gate, initiative),
        states=assess(criteria, initiative),
        form=form,
    ), form_status()


@bp.route(
    "/orgs/<slug>/initiatives/<int:initiative_id>/criteria/<int:criterion_id>/waive",
    methods=["GET", "POST"],
)
@login_required
def waive(slug: str, initiative_id: int, criterion_id: int) -> ResponseReturnValue:
    org, initiative, criterion = get_initiative_criterion(
        slug, initiative_id, criterion_id, Action.DECIDE
    )
    form = WaiverForm()
    back = back_to(criterion_url(org.slug, criterion))
    if request.method == "GET":
        form.version.data = str(criterion.version)
    saved = save(
        form,
        lambda: criteria_ops.waive(
            criterion,
            current_user,
            reason=form.reason.data or "",
            accepted_risk=form.risk.data or "",
            expected_version=form.expected_version(),
        ),
        success=f"“{criterion.title}” is waived; the decision is in the log.",
        redirect_to=back,
    )
    if saved is not None:
        return saved
    return render_template(
        "gates/waive.html",
        org=org,
        initiative=initiative,
        criterion=criterion,
        form=form,
        back=back,
    ), form_status()


@bp.post("/orgs/<slug>/initiatives/<int:initiative_id>/stage-gates")
@login_required
def set_up_gates(slug: str, initiative_id: int) -> ResponseReturnValue:
    """Initiatives created before stage gates existed get theirs on request."""
    org = get_organization(slug, Action.MANAGE)
    initiative = get_initiative(org, initiative_id)
    phase_ops.create_stage_gates(initiative)
    db.session.commit()
    return redirect(url_for("initiatives.show", slug=org.slug, initiative_id=initiative.id))
