"""Initiatives: create, edit, the initiative page, and evidence on exit criteria."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from governance.enums import PHASE_TITLES, RiskTier
from governance.errors import DomainError
from governance.gates import criteria as criteria_ops
from governance.gates import phases as phase_ops
from governance.gates import queries as checkpoint_queries
from governance.gates.forms import CriterionPlanForm, EvidenceForm, PhaseOwnerForm
from governance.gates.models import Phase
from governance.incidents.queries import open_incidents_of
from governance.loaders import (
    get_initiative,
    get_initiative_criterion,
    get_organization,
    get_phase,
)
from governance.permissions import Action, can
from governance.portfolio import initiative_page as iq
from governance.portfolio import operations as ops
from governance.portfolio import queries as q
from governance.portfolio.forms import InitiativeForm
from governance.portfolio.models import Initiative, Organization
from governance.web.forms import member_choices
from governance.web.helpers import form_status, save
from governance.web.links import back_to, criterion_url

bp = Blueprint("initiatives", __name__, url_prefix="/orgs/<slug>/initiatives")


def _initiative_form(org, initiative=None) -> InitiativeForm:
    form = InitiativeForm(obj=initiative)
    form.program_id.choices = [SelectChoice(p.id, p.name) for p in q.programs_of(org)]
    form.owner_id.choices = member_choices(q.members_of(org))
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.MANAGE)
    form = _initiative_form(org)
    if request.method == "GET" and request.args.get("program", "").isdigit():
        form.program_id.data = int(request.args["program"])

    def create_initiative() -> Initiative:
        program = next((p for p in q.programs_of(org) if p.id == form.program_id.data), None)
        if program is None:
            raise DomainError("Choose a program of this organization.", field="program_id")
        return ops.create_initiative(
            program,
            form.name.data or "",
            description=form.description.data or "",
            risk_tier=RiskTier(form.risk_tier.data),
            owner_id=form.owner_id.data,
            sponsor=form.sponsor.data or "",
        )

    saved = save(
        form,
        create_initiative,
        success=lambda initiative: (
            f"{initiative.name} was created; its objectives phase has started."
        ),
        redirect_to=lambda initiative: _initiative_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(org, form, None)


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, initiative_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.MANAGE)
    initiative = get_initiative(org, initiative_id)
    form = _initiative_form(org, initiative)
    if request.method == "GET":
        form.version.data = str(initiative.version)
        form.risk_tier.data = initiative.risk_tier.value
    saved = save(
        form,
        lambda: ops.update_initiative(
            initiative,
            form.expected_version(),
            name=(form.name.data or "").strip(),
            description=form.description.data or "",
            program_id=form.program_id.data,
            risk_tier=RiskTier(form.risk_tier.data),
            owner_id=form.owner_id.data,
            sponsor=form.sponsor.data or "",
        ),
        success=lambda i: f"Initiative “{i.name}” saved.",
        redirect_to=_initiative_url(org, initiative),
    )
    if saved is not None:
        return saved
    return _form_page(org, form, initiative)


def _form_page(org, form, initiative) -> ResponseReturnValue:
    return render_template(
        "portfolio/initiatives/form.html", org=org, form=form, initiative=initiative
    ), form_status()


def _initiative_url(org: Organization, initiative: Initiative) -> str:
    return url_for("initiatives.show", slug=org.slug, initiative_id=initiative.id)


@bp.get("/<int:initiative_id>")
@login_required
def show(slug: str, initiative_id: int) -> ResponseReturnValue:
    org = get_organization(slug)
    initiative = get_initiative(org, initiative_id)
    page = iq.initiative_page(initiative)
    return render_template(
        "portfolio/initiatives/show.html",
        org=org,
        initiative=initiative,
        page=page,
        phase_titles=PHASE_TITLES,
        evidence_form=EvidenceForm(),
        gates=checkpoint_queries.initiative_gates(initiative),
        members=q.members_of(org) if can(current_user, Action.MANAGE, org) else [],
        # Its open incidents (incidents/_initiative_incidents.html).
        open_incidents=open_incidents_of(initiative),
    )


@bp.route("/<int:initiative_id>/phases/<int:phase_id>/owner", methods=["GET", "POST"])
@login_required
def phase_owner(slug: str, initiative_id: int, phase_id: int) -> ResponseReturnValue:
    """Name a phase's owner: the small form of each phase on the initiative page posts here;
    a refusal is shown on this page with the form."""
    org = get_organization(slug, Action.MANAGE)
    initiative = get_initiative(org, initiative_id)
    phase = get_phase(initiative, phase_id)
    form = PhaseOwnerForm(obj=phase)
    form.owner_id.choices = member_choices(q.members_of(org))
    if request.method == "GET":
        form.version.data = str(phase.version)

    def name_owner() -> Phase:
        return phase_ops.set_owner(
            phase, current_user, form.owner_id.data, expected_version=form.expected_version()
        )

    saved = save(
        form,
        name_owner,
        success=lambda p: (
            f"{PHASE_TITLES[p.kind]} phase: "
            + (f"{p.owner.name} is its owner." if p.owner else "it has no owner now.")
        ),
        redirect_to=_initiative_url(org, initiative) + f"#phase-owner-{phase.id}",
    )
    if saved is not None:
        return saved
    return render_template(
        "portfolio/initiatives/phase_owner.html",
        org=org,
        initiative=initiative,
        phase=phase,
        form=form,
        phase_titles=PHASE_TITLES,
    ), form_status()


@bp.route("/<int:initiative_id>/criteria/<int:criterion_id>/evidence", methods=["GET", "POST"])
@login_required
def evidence(slug: str, initiative_id: int, criterion_id: int) -> ResponseReturnValue:
    org, initiative, criterion = get_initiative_criterion(
        slug, initiative_id, criterion_id, Action.CONTRIBUTE
    )
    form = EvidenceForm(obj=criterion)
    back = back_to(criterion_url(org.slug, criterion))
    if request.method == "GET":
        form.version.data = str(criterion.version)
    saved = save(
        form,
        lambda: criteria_ops.mark_met(
            criterion,
            current_user,
            evidence_url=form.evidence_url.data or "",
            evidence_text=form.evidence_text.data or "",
            expected_version=form.expected_version(),
        ),
        success=f"“{criterion.title}” is met.",
        redirect_to=back,
    )
    if saved is not None:
        return saved
    return render_template(
        "portfolio/initiatives/evidence.html",
        org=org,
        initiative=initiative,
        criterion=criterion,
        form=form,
        back=back,
    ), form_status()


@bp.route("/<int:initiative_id>/criteria/<int:criterion_id>/plan", methods=["GET", "POST"])
@login_required
def plan(slug: str, initiative_id: int, criterion_id: int) -> ResponseReturnValue:
    org, initiative, criterion = get_initiative_criterion(
        slug, initiative_id, criterion_id, Action.CONTRIBUTE
    )
    form = CriterionPlanForm(obj=criterion)
    form.owner_id.choices = member_choices(q.members_of(org))
    back = back_to(criterion_url(org.slug, criterion))
    if request.method == "GET":
        form.version.data = str(criterion.version)
    saved = save(
        form,
        lambda: criteria_ops.plan(
            criterion,
            current_user,
            owner_id=form.owner_id.data,
            due_on=form.due_on.data,
            expected_version=form.expected_version(),
        ),
        success=lambda c: f"Owner and due date of “{c.title}” saved.",
        redirect_to=back,
    )
    if saved is not None:
        return saved
    return render_template(
        "portfolio/initiatives/plan.html",
        org=org,
        initiative=initiative,
        criterion=criterion,
        form=form,
        back=back,
    ), form_status()
