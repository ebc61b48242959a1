"""The decision log pages: the log, a decision's history, recording and revising, exports."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from governance.decisions import exports as decision_exports
from governance.decisions import operations as ops
from governance.decisions import queries as dq
from governance.decisions import reading
from governance.decisions.chain import verify_organization
from governance.decisions.forms import (
    ApprovalForm,
    CorrectionForm,
    DecisionForm,
    LogFilterForm,
    StatusForm,
    lines,
)
from governance.decisions.models import LIST_FIELDS, Decision
from governance.decisions.rules import awaiting_among, awaits_second_person, statuses_offered
from governance.enums import PHASE_TITLES, DecisionImpact, DecisionStatus, PhaseKind, label
from governance.errors import AlreadyDecided, ConflictError, DomainError
from governance.extensions import db
from governance.loaders import get_decision, get_initiative, get_organization
from governance.permissions import Action, can
from governance.portfolio.models import Initiative, Organization, Program
from governance.web.helpers import Flash, form_status, save
from governance.web.inputs import query_int
from governance.web.links import back_to, safe_return

bp = Blueprint("decisions", __name__, url_prefix="/orgs/<slug>/decisions")


def _list_values(form: Any) -> dict[str, Any]:
    return {name: lines(getattr(form, name).data) for name in LIST_FIELDS}


def _initiatives(org: Organization) -> list[Any]:
    """(id, name) by program, then name: one query, no whole rows (only the choices need them)."""
    return list(
        db.session.execute(
            sa.select(Initiative.id, Initiative.name)
            .join(Program, Program.id == Initiative.program_id)
            .where(Initiative.organization_id == org.id)
            .order_by(Program.name, Program.id, Initiative.name)
        )
    )


def _filters(org: Organization, form: LogFilterForm) -> dq.LogFilters | None:
    form.initiative.choices = [("", "Any")] + [(i.id, i.name) for i in _initiatives(org)]
    form.status.choices = [("", "Any")] + [(s.value, s.value.capitalize()) for s in DecisionStatus]
    form.impact.choices = [("", "Any")] + [(i.value, i.value.capitalize()) for i in DecisionImpact]
    form.person.choices = [("", "Anyone"), *dq.people_in_log(org)]
    valid = form.validate()
    for name, allowed in (("status", DecisionStatus), ("impact", DecisionImpact)):
        value = getattr(form, name).data
        if value and value not in {member.value for member in allowed}:
            getattr(form, name).errors = [f"Choose one of: {', '.join(m.value for m in allowed)}."]
            valid = False
    if form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
        form.date_to.errors = ["The end of the range is before its start."]
        valid = False
    if not valid:
        return None
    return dq.LogFilters(
        initiative_id=form.initiative.data,
        status=DecisionStatus(form.status.data) if form.status.data else None,
        impact=DecisionImpact(form.impact.data) if form.impact.data else None,
        person_id=form.person.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        q=(form.q.data or "").strip(),
        every_entry=form.entries.data == "all",
    )


@bp.get("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    form = LogFilterForm(request.args)
    try:
        form.initiative.data  # noqa: B018 — coerced below; a bad int answers 400
        filters = _filters(org, form)
    except ValueError:
        filters = None
    after = query_int("after")
    if filters is None:
        page = dq.log_page(org, dq.LogFilters(), after=None, limit=0)
        page.rows, status = [], 400
    else:
        limit = current_app.config.get("PAGE_SIZE", 50)
        page = dq.log_page(org, filters, after=after, limit=limit)
        status = 200
    return render_template(
        "decisions/index.html",
        org=org,
        page=page,
        awaiting=awaiting_among(row.entry for row in page.rows),
        form=form,
        filters_valid=filters is not None,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.PROPOSE_DECISION)
    initiatives = _initiatives(org)
    form = DecisionForm()
    form.set_choices(initiatives, dq.open_decisions(org))
    if request.method == "GET":
        if request.args.get("initiative", "").isdigit():
            form.initiative_id.data = int(request.args["initiative"])
        if request.args.get("kind") in {c.value for c in form.kind.choices}:
            form.kind.data = request.args["kind"]

    def record() -> Decision:
        initiative = (
            get_initiative(org, form.initiative_id.data) if form.initiative_id.data else None
        )
        phase = None
        if form.phase.data:
            if initiative is None:
                raise DomainError("Choose the initiative of this phase.", field="phase")
            phase = next(p for p in initiative.phases if p.kind == PhaseKind(form.phase.data))
        supersedes = get_decision(org, form.supersedes_id.data) if form.supersedes_id.data else None
        return ops.record_decision(
            org,
            current_user,
            title=form.title.data or "",
            context=form.context.data or "",
            decision=form.decision.data or "",
            rationale=form.rationale.data or "",
            status=DecisionStatus(form.status.data),
            impact=DecisionImpact(form.impact.data),
            initiative=initiative,
            phase=phase,
            supersedes=supersedes,
            kind=form.kind.data or "general",
            consequences=form.consequences.data or "",
            confirmation=form.confirmation.data or "",
            **_list_values(form),
        )

    # Recorded from an initiative's page, the form returns there (its `next`); else to the entry.
    saved = save(
        form, record, success=_recorded, redirect_to=lambda entry: back_to(_url(org, entry))
    )
    if saved is not None:
        return saved
    back = safe_return(request.form.get("next") or request.args.get("next"))
    return render_template("decisions/form.html", org=org, form=form, back=back), form_status()


def _recorded(entry: Decision) -> Flash:
    if awaits_second_person(entry):
        # The decision's page says it in its own banner (for everyone who opens it): a flash
        # saying the same would be a second banner with the same message.
        return None
    return f"Decision #{entry.seq} “{entry.title}” is recorded in the log."


def _url(org: Organization, entry: Decision) -> str:
    return url_for("decisions.show", slug=org.slug, seq=entry.seq)


def _entry(org: Organization, seq: int) -> Decision:
    entry = dq.entry_by_seq(org, seq)
    if entry is None:
        abort(404, description="No such decision in this organization's log.")
    return entry


@bp.get("/<int:seq>")
@login_required
def show(slug: str, seq: int) -> ResponseReturnValue:
    org = get_organization(slug)
    return _show_page(org, _entry(org, seq))


def _show_page(
    org: Organization,
    entry: Decision,
    *,
    status_form: StatusForm | None = None,
    approval_form: ApprovalForm | None = None,
    code: int = 200,
) -> ResponseReturnValue:
    thread = dq.thread_of(entry)
    current = thread[-1]
    links = dq.first_entries([d for d in [current.supersedes_id] if d is not None])
    initiative = (
        db.session.get(Initiative, current.initiative_id) if current.initiative_id else None
    )
    phase_kind = (
        next((p.kind for p in initiative.phases if p.id == current.phase_id), None)
        if initiative
        else None
    )
    waiting = awaits_second_person(current)
    names = dq.people_named(reading.people_ids(entry.details))
    details = reading.readable(entry.details, names, entry.checkpoint_id)
    status_form = status_form or StatusForm(version=str(current.seq))
    # Only the statuses a change can give it now: an approval, not a status, accepts a
    # high-impact decision (so its author is never offered "Accepted").
    status_form.status.choices = [
        (s.value, label(s))
        for s in statuses_offered(current, waiting, can(current_user, Action.DECIDE, current))
    ]
    return render_template(
        "decisions/show.html",
        org=org,
        entry=entry,
        current=current,
        thread=thread,
        initiative=initiative,
        phase_title=PHASE_TITLES.get(phase_kind) if phase_kind else None,
        supersedes=links.get(current.supersedes_id) if current.supersedes_id else None,
        superseded_by=dq.superseded_by(current),
        awaiting=waiting,
        badge=reading.badge(current.kind, current.status),
        kind_label=reading.kind_label(current.kind),
        details=details,
        decision_seqs=dq.seqs_of(
            org,
            {
                row.waived_by_decision_id
                for row in details.criteria or []
                if row.waived_by_decision_id
            },
        ),
        status_form=status_form,
        approval_form=approval_form or ApprovalForm(version=str(current.seq)),
    ), code


def _code(error: DomainError) -> int:
    """409 when someone else decided first; any other refusal shows the page again (400)."""
    return 409 if isinstance(error, AlreadyDecided) else 400


@bp.post("/<int:seq>/approve")
@login_required
def approve(slug: str, seq: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.DECIDE)
    entry = _entry(org, seq)
    form = ApprovalForm()
    saved = save(
        form,
        # The entry approved is the one the approver saw: the form's, else the address's.
        lambda: ops.approve_decision(
            entry, current_user, note=form.note.data or "", version=form.started_from() or seq
        ),
        success=lambda new: f"Approved: entry #{new.seq} records the approval.",
        redirect_to=lambda new: _url(org, new),
        refused=lambda error: _show_page(org, entry, approval_form=form, code=_code(error)),
    )
    if saved is not None:
        return saved
    return _show_page(org, entry, approval_form=form, code=400)


@bp.post("/<int:seq>/status")
@login_required
def change_status(slug: str, seq: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.PROPOSE_DECISION)
    entry = _entry(org, seq)
    form = StatusForm()
    saved = save(
        form,
        lambda: ops.change_status(
            entry,
            current_user,
            DecisionStatus(form.status.data),
            note=form.note.data or "",
            version=form.started_from(),
        ),
        success=lambda new: f"The decision is now {new.status.value} (entry #{new.seq}).",
        redirect_to=lambda new: _url(org, new),
        refused=lambda error: _show_page(org, entry, status_form=form, code=_code(error)),
    )
    if saved is not None:
        return saved
    return _show_page(org, entry, status_form=form, code=400)


@bp.route("/<int:seq>/correct", methods=["GET", "POST"])
@login_required
def correct(slug: str, seq: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.PROPOSE_DECISION)
    current = dq.current_entry(_entry(org, seq))
    form = CorrectionForm()
    if request.method == "GET":
        _fill(form, current)

    def stale(error: DomainError) -> ResponseReturnValue:
        # Someone corrected it first: show the decision as it stands now, to correct again.
        latest = dq.current_entry(current)
        if isinstance(error, ConflictError):
            _fill(form, latest)
        return render_template(
            "decisions/correct.html", org=org, form=form, current=latest
        ), error.status

    saved = save(
        form,
        lambda: ops.correct_decision(
            current,
            current_user,
            note=form.note.data or "",
            version=form.started_from(),
            title=form.title.data or "",
            context=form.context.data or "",
            decision=form.decision.data or "",
            rationale=form.rationale.data or "",
            impact=DecisionImpact(form.impact.data),
            consequences=form.consequences.data or "",
            confirmation=form.confirmation.data or "",
            **_list_values(form),
        ),
        success=_corrected,
        redirect_to=lambda new: _url(org, new),
        refused=stale,
    )
    if saved is not None:
        return saved
    return render_template(
        "decisions/correct.html", org=org, form=form, current=current
    ), form_status()


def _fill(form: CorrectionForm, entry: Decision) -> None:
    """The form shows `entry`'s values (after a post too: what was posted is dropped)."""
    values = {
        name: getattr(entry, name)
        for name in ("title", "context", "decision", "rationale", "consequences", "confirmation")
    }
    values.update({name: "\n".join(getattr(entry, name)) for name in LIST_FIELDS})
    values.update(impact=entry.impact.value, version=str(entry.seq))
    for name, value in values.items():
        field = getattr(form, name)
        field.data, field.raw_data = value, None


def _corrected(entry: Decision) -> Flash:
    # Waiting for a second person? The decision's page says so in its own banner.
    return f"Corrected “{entry.title}”: entry #{entry.seq} records the correction."


# ------------------------------------------------------------------------- exports, verify


@bp.get("/export.<fmt>")
@login_required
def export(slug: str, fmt: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.EXPORT_LOG)
    if fmt == "jsonl":
        body, mimetype = decision_exports.jsonl_lines(org), "application/jsonl"
    elif fmt == "csv":
        body, mimetype = decision_exports.csv_lines(org), "text/csv"
    elif fmt == "zip":
        data = decision_exports.madr_zip_bytes(org)
        return Response(
            data,
            mimetype="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{org.slug}-decisions.zip"'},
        )
    else:
        abort(404, description="Exports are .jsonl, .csv or .zip (MADR).")
    return Response(
        stream_with_context(body),
        mimetype=f"{mimetype}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{org.slug}-decisions.{fmt}"'},
    )


@bp.get("/verify")
@login_required
def verify(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.EXPORT_LOG)
    result = verify_organization(org)
    return render_template("decisions/verify.html", org=org, result=result)


@bp.get("/verify.py")
@login_required
def verifier(slug: str) -> ResponseReturnValue:
    """The self-contained verifier, for an auditor to run on an export away from the app."""
    get_organization(slug, Action.EXPORT_LOG)
    from governance import verify as verify_module

    path = verify_module.__file__
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    return Response(
        source,
        mimetype="text/x-python; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="verify.py"'},
    )


@bp.app_template_global()
def decisions_about(initiative: Initiative, limit: int = 10) -> list[Decision]:
    """For the initiative page: the current state of its latest decisions."""
    return dq.initiative_decisions(initiative, limit)


@bp.app_template_global()
def decision_badge(kind: str, status: DecisionStatus) -> reading.Badge:
    """The badge of a log entry, in the words of what happened (decisions/reading.py)."""
    return reading.badge(kind, status)
