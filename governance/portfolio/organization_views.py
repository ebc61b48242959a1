"""An organization's page, its programs, and the admin's forms for organizations and members."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from markupsafe import Markup

from governance.database import INTEGER_MAX
from governance.enums import PHASE_TITLES, PhaseKind, Role, label
from governance.errors import DomainError
from governance.extensions import db
from governance.loaders import authorize, get_organization, get_program
from governance.people import operations as people
from governance.people.forms import MembershipForm
from governance.people.models import Membership
from governance.permissions import Action, can
from governance.portfolio import operations as ops
from governance.portfolio import queries as q
from governance.portfolio.forms import OrganizationForm, ProgramForm, ReviewRulesForm
from governance.portfolio.models import Organization
from governance.web.confirm import confirmation
from governance.web.forms import member_choices
from governance.web.helpers import form_status, save

bp = Blueprint("organizations", __name__)


@bp.get("/orgs/<slug>")
@login_required
def show(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    today = date.today()
    summary = q.organization_summaries([org], today)[0]
    matrix = _matrix(org)
    return render_template(
        "portfolio/organizations/show.html",
        org=org,
        summary=summary,
        **matrix,
        phase_titles=_TITLES,
        cells=_cells(matrix["page"]),
        overdue=q.overdue_criteria([org.id], today),
        members=q.members_of(org),
    )


@bp.get("/orgs/<slug>/initiatives")
@login_required
def initiatives(slug: str) -> ResponseReturnValue:
    """The organization's initiatives as a list, each with the phase it is in: the overview's
    matrix rows (same order, filter and pages), read one line per initiative."""
    org = get_organization(slug)
    matrix = _matrix(org)
    return render_template(
        "portfolio/organizations/initiatives.html",
        org=org,
        **matrix,
        current={row.id: _current_phase(row) for row in matrix["page"].rows},
    )


def _matrix(org: Organization) -> dict[str, Any]:
    """What the overview's matrix and the Initiatives page both show: the programs, the
    filter and the page of initiatives the query string asks for, with its notes."""
    programs = q.program_rows(org)
    program, page, notes = _matrix_page(org, programs)
    return {
        "programs": programs,
        "program_names": {p.id: p.name for p in programs},
        "program": program,
        "page": page,
        "notes": notes,
    }


def _matrix_page(
    org: Organization, programs: list[q.ProgramRow]
) -> tuple[int | None, q.MatrixPage, list[str]]:
    """The program filter and the page of initiatives the query string asks for, with a note
    for each part of it that was not valid (and ignored)."""
    notes: list[str] = []
    program = _int_arg(
        "program", notes, "That program filter is not a number; showing every program."
    )
    if program is not None and program not in {p.id for p in programs}:
        # The same words for a program of another organization as for none: nothing leaks.
        notes.append("No such program in this organization; showing every program.")
        program = None
    after = _int_arg("after", notes, "That page link is not valid; showing the first page.")
    before = _int_arg("before", notes, "That page link is not valid; showing the first page.")
    # Both cursors given: `after` wins (a next link is what people follow most).
    page = q.initiative_matrix_page(
        org, program, after=after, before=before if after is None else None
    )
    if page.unknown_cursor:
        notes.append("That page link is out of date; showing the first page.")
    return program, page, list(dict.fromkeys(notes))


def _current_phase(row: q.MatrixRow) -> tuple[str, str, str]:
    """(phase name, status value, status label) of the first phase not complete; the last
    phase when all are."""
    for title, (value, text) in zip(_TITLES, row.cells, strict=True):
        if value != "complete":
            return title, value, text
    value, text = row.cells[-1]
    return _TITLES[-1], value, text


_TITLES = [PHASE_TITLES[kind] for kind in PhaseKind]


@cache
def _cell(position: int, value: str, text: str) -> Markup:
    """One matrix cell; 7 phases x 4 statuses, so each is built and escaped once."""
    return Markup('<td class="cell s-{}" title="{}: {}">{}</td>').format(
        value, _TITLES[position], text, text
    )


def _cells(page: q.MatrixPage) -> dict[int, Markup]:
    """initiative id -> its seven phase cells: one template expression a row, not seven."""
    return {
        row.id: Markup("").join(_cell(i, value, text) for i, (value, text) in enumerate(row.cells))
        for row in page.rows
    }


def _int_arg(name: str, notes: list[str], note: str) -> int | None:
    """A positive integer query parameter; anything else is ignored with a note."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0 or value > INTEGER_MAX:
        notes.append(note)
        return None
    return value


@bp.route("/orgs/new", methods=["GET", "POST"])
@login_required
def create() -> ResponseReturnValue:
    authorize(Action.ADMINISTER, None)
    form = OrganizationForm()
    saved = save(
        form,
        lambda: ops.create_organization(
            form.slug.data or "",
            form.name.data or "",
            form.description.data or "",
            form.review_target_days.data or 5,
        ),
        success=lambda org: f"{org.name} was created. Add its members next.",
        redirect_to=lambda org: url_for("organizations.members", slug=org.slug),
    )
    if saved is not None:
        return saved
    return render_template("portfolio/organizations/form.html", form=form, org=None), form_status()


@bp.route("/orgs/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> ResponseReturnValue:
    # A leader sees the page for the review rules (their form); the rest is the admin's.
    org = get_organization(slug)
    if request.method == "POST" or not can(current_user, Action.SET_REVIEW_RULES, org):
        authorize(Action.ADMINISTER, org)
    form = OrganizationForm(obj=org)
    if request.method == "GET":
        form.version.data = str(org.version)

    def update() -> Organization:
        if form.slug.data != org.slug:
            raise DomainError("The address cannot change: people bookmark it.", field="slug")
        return ops.update_organization(
            org,
            form.expected_version(),
            name=form.name.data or org.name,
            description=form.description.data or "",
            review_target_days=form.review_target_days.data or 5,
        )

    saved = save(
        form,
        update,
        success=lambda o: f"Organization “{o.name}” saved.",
        redirect_to=url_for("organizations.show", slug=org.slug),
    )
    if saved is not None:
        return saved
    return _edit_page(org, form), form_status()


def _edit_page(
    org: Organization, form: OrganizationForm | None, rules: ReviewRulesForm | None = None
) -> str:
    if rules is None:
        rules = ReviewRulesForm(obj=org)
        rules.version.data = str(org.version)
    admin = can(current_user, Action.ADMINISTER, org)
    return render_template(
        "portfolio/organizations/form.html",
        form=form if admin else None,
        rules=rules,
        org=org,
    )


@bp.post("/orgs/<slug>/review-rules")
@login_required
def review_rules(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.SET_REVIEW_RULES)
    rules = ReviewRulesForm()
    saved = save(
        rules,
        lambda: ops.set_review_rules(
            org,
            current_user,
            rules.expected_version(),
            two_approvers_for_high_risk=bool(rules.two_approvers_for_high_risk.data),
        ),
        success="Saved: how checkpoints are approved.",
        redirect_to=url_for("organizations.show", slug=org.slug),
    )
    if saved is not None:
        return saved
    admin_form = OrganizationForm(obj=org) if can(current_user, Action.ADMINISTER, org) else None
    if admin_form is not None:
        admin_form.version.data = str(org.version)
    return _edit_page(org, admin_form, rules), 400


@bp.route("/orgs/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.ADMINISTER)
    form = MembershipForm()

    def add_member() -> Membership:
        user = people.find_user(form.email.data or "")
        if user is None:
            raise DomainError(
                "No user has this email. Create the user first (flask create-user).",
                field="email",
            )
        return people.set_membership(user, org, Role(form.role.data))

    saved = save(
        form,
        add_member,
        success=lambda member: f"{member.user.name} is now {form.role.data} of {org.name}.",
        redirect_to=url_for("organizations.members", slug=org.slug),
    )
    if saved is not None:
        return saved
    return render_template(
        "portfolio/organizations/members.html", org=org, form=form, members=q.members_of(org)
    ), form_status()


def _membership(org: Organization, user_id: int) -> Membership:
    membership = db.session.scalar(
        db.select(Membership).where(
            Membership.organization_id == org.id, Membership.user_id == user_id
        )
    )
    if membership is None:
        abort(404)
    return membership


@bp.get("/orgs/<slug>/members/<int:user_id>/remove")
@login_required
def confirm_remove_member(slug: str, user_id: int) -> ResponseReturnValue:
    """Asked before `remove_member`: who loses access to what."""
    org = get_organization(slug, Action.ADMINISTER)
    member = _membership(org, user_id)
    name = member.user.name
    return confirmation(
        title=f"Remove {name} from {org.name}?",
        org=org,
        what=f"{name} ({member.user.email}) has the role {label(member.role)} in {org.name}.",
        consequences=[
            f"{name} can no longer see or act on anything in {org.name}, "
            "in the browser or through the API.",
            "What they recorded stays, under their name; what they own (a phase, a "
            "criterion, a risk) stays theirs until someone else is named.",
            "Their account stays: you can add them again on the members page.",
        ],
        action=url_for("organizations.remove_member", slug=org.slug, user_id=user_id),
        button=f"Remove {name}",
        cancel=url_for("organizations.members", slug=org.slug),
    )


@bp.post("/orgs/<slug>/members/<int:user_id>/remove")
@login_required
def remove_member(slug: str, user_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.ADMINISTER)
    membership = _membership(org, user_id)
    people.remove_membership(membership)
    db.session.commit()
    flash("Membership removed.", "success")
    return redirect(url_for("organizations.members", slug=org.slug))


@bp.route("/orgs/<slug>/programs/new", methods=["GET", "POST"])
@login_required
def create_program(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.MANAGE)
    form = ProgramForm()
    form.owner_id.choices = member_choices(q.members_of(org))
    saved = save(
        form,
        lambda: ops.create_program(
            org, form.name.data or "", form.description.data or "", form.owner_id.data
        ),
        success=lambda program: f"Program {program.name} was created.",
        redirect_to=url_for("organizations.show", slug=org.slug),
    )
    if saved is not None:
        return saved
    return render_template(
        "portfolio/organizations/program_form.html", org=org, form=form, program=None
    ), form_status()


@bp.route("/orgs/<slug>/programs/<int:program_id>/edit", methods=["GET", "POST"])
@login_required
def edit_program(slug: str, program_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.MANAGE)
    program = get_program(org, program_id)
    form = ProgramForm(obj=program)
    form.owner_id.choices = member_choices(q.members_of(org))
    if request.method == "GET":
        form.version.data = str(program.version)
    saved = save(
        form,
        lambda: ops.update_program(
            program,
            form.expected_version(),
            name=form.name.data or program.name,
            description=form.description.data or "",
            owner_id=form.owner_id.data,
        ),
        success=lambda p: f"Program “{p.name}” saved.",
        redirect_to=url_for("organizations.show", slug=org.slug),
    )
    if saved is not None:
        return saved
    return render_template(
        "portfolio/organizations/program_form.html", org=org, form=form, program=program
    ), form_status()
