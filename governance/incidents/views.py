"""An organization's incidents: the list (open first), opening one, and each incident's page
with its timeline and the actions on it (each a small form posting to its own URL)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from governance.database import utcnow
from governance.enums import IncidentStatus, SeriousIncidentKind, Severity
from governance.errors import DomainError
from governance.extensions import db
from governance.incidents import operations as ops
from governance.incidents import queries as iq
from governance.incidents import serious_incidents
from governance.incidents.forms import IncidentForm, step_form, utc
from governance.incidents.models import Incident
from governance.incidents.offers import STEPS, IncidentStep
from governance.lineage.models import LineageArtifact
from governance.loaders import get_incident, get_monitor, get_organization
from governance.permissions import Action, offer
from governance.portfolio.models import Organization
from governance.web.forms import Form
from governance.web.helpers import form_status, refuse, save
from governance.web.inputs import query_int

bp = Blueprint("incidents", __name__, url_prefix="/orgs/<slug>/incidents")


@bp.get("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    status = request.args.get("status", "open")
    filters = iq.Filters(
        status=status if status in iq.STATUS_FILTERS else "open",
        severity=request.args.get("severity", ""),
        deployment_id=query_int("deployment"),
        initiative_id=query_int("initiative"),
        serious=request.args.get("serious") == "1",
    )
    page = iq.incident_page(org, filters, query_int("page") or 1)
    return render_template(
        "incidents/index.html",
        org=org,
        page=page,
        filters=filters,
        statuses=list(IncidentStatus),
        severities=list(Severity),
        deployments=iq.deployments_of(org),
        initiatives=iq.initiatives_of(org),
        now=utcnow(),
    )


def _new_form(org: Organization) -> IncidentForm:
    form = IncidentForm()
    form.deployment_id.choices = [SelectChoice(None, "Not known yet")] + [
        SelectChoice(i, name) for i, name in iq.deployments_of(org)
    ]
    form.monitor_id.choices = [SelectChoice(None, "None")] + [
        SelectChoice(i, f"{name} ({deployment})") for i, name, deployment in iq.monitors_of(org)
    ]
    return form


def _open(org: Organization, form: IncidentForm) -> Incident:
    deployment = None
    if form.deployment_id.data is not None:
        deployment = db.session.get(LineageArtifact, form.deployment_id.data)
    monitor = get_monitor(org, form.monitor_id.data) if form.monitor_id.data else None
    return ops.open_incident(
        org,
        current_user,
        title=form.title.data or "",
        summary=form.summary.data or "",
        severity=Severity(form.severity.data),
        deployment=deployment,
        monitor=monitor,
        impact_started_at=utc(form.impact_started_at.data),
        detected_at=utc(form.detected_at.data),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    form = _new_form(org)
    if request.method == "GET":
        form.detected_at.data = utcnow().replace(second=0, microsecond=0, tzinfo=None)
        if request.args.get("deployment", "").isdigit():
            form.deployment_id.data = int(request.args["deployment"])
    saved = save(
        form,
        lambda: _open(org, form),
        success=lambda i: f"Incident #{i.id} “{i.title}” was opened.",
        redirect_to=lambda i: url_for("incidents.show", slug=org.slug, incident_id=i.id),
    )
    if saved is not None:
        return saved
    return render_template("incidents/new.html", org=org, form=form), form_status()


def _page(
    org: Organization, incident: Incident, posted: dict[str, Form] | None = None
) -> ResponseReturnValue:
    forms = {step: step_form(step) for step in STEPS} | (posted or {})
    if "severity" not in (posted or {}):
        forms["severity"].severity.data = incident.severity.value
        forms["severity"].version.data = str(incident.version)
    if "serious" not in (posted or {}) and incident.serious_kind is not None:
        forms["serious"].kind.data = incident.serious_kind.value
    offers = {
        step: offer(current_user, action, IncidentStep(incident, step))
        for step, action in STEPS.items()
    }
    # What refused a post, at the top of the page: the form's own refusal, and every error of
    # a form the page no longer shows (its step cannot be taken now).
    refusals = [
        error
        for step, form in (posted or {}).items()
        for error in (
            form.form_errors
            if offers[step].allowed
            else [
                *form.form_errors,
                *(e for f in form if f.name != f"{step}-csrf_token" for e in f.errors),
            ]
        )
    ]
    if any(
        getattr(form, "csrf_token", None) and form.csrf_token.errors
        for form in (posted or {}).values()
    ):
        refusals.append("The form expired or was sent from elsewhere. Please submit it again.")
    now = utcnow()
    return render_template(
        "incidents/show.html",
        org=org,
        incident=incident,
        events=iq.timeline(incident),
        plan=iq.rollback_plan(incident),
        forms=forms,
        offers=offers,
        refusals=refusals,
        now=now,
        times=_times(incident),
        days_left=_days_left(incident, now),
        kinds=SeriousIncidentKind,
    ), form_status()


def _minutes(later: Any, earlier: Any) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 60


def _times(incident: Incident) -> dict[str, float | None]:
    """This incident's share of the figures: time to detect, acknowledge, mitigate, resolve."""
    return {
        "detect": _minutes(incident.detected_at, incident.impact_started_at),
        "acknowledge": _minutes(incident.acknowledged_at, incident.detected_at),
        "mitigate": _minutes(incident.mitigated_at, incident.detected_at),
        "resolve": _minutes(incident.resolved_at, incident.detected_at),
    }


def _days_left(incident: Incident, now: Any) -> float | None:
    due = incident.report_due_at
    if due is None or incident.reported_at is not None:
        return None
    return (due - now).total_seconds() / 86400


@bp.get("/<int:incident_id>")
@login_required
def show(slug: str, incident_id: int) -> ResponseReturnValue:
    org = get_organization(slug)
    return _page(org, get_incident(org, incident_id))


def _run(step: Any, form: Form, incident: Incident) -> Any:
    """The operation behind each step, with what its form holds."""
    data = form.data
    if step == "acknowledge":
        return ops.acknowledge(incident, current_user)
    if step == "mitigate":
        return ops.mitigate(incident, current_user, note=data["note"] or "")
    if step == "resolve":
        return ops.resolve(incident, current_user, note=data["note"] or "")
    if step == "severity":
        return ops.change_severity(
            incident,
            current_user,
            Severity(data["severity"]),
            form.expected_version(),
        )
    if step == "rollback":
        return ops.execute_rollback(
            incident, current_user, data["minutes"], note=data["note"] or ""
        )
    if step == "note":
        return ops.add_note(incident, current_user, data["note"] or "")
    if step == "review":
        return ops.record_review(
            incident,
            current_user,
            title=data["title"],
            context=data["context"],
            decision=data["decision"],
            rationale=data["rationale"] or "",
        )
    if step == "serious":
        return serious_incidents.mark_serious(
            incident, current_user, SeriousIncidentKind(data["kind"]), utc(data["aware_at"])
        )
    return serious_incidents.record_report(
        incident,
        current_user,
        utc(data["reported_at"]),
        authority=data["authority"],
        reference=data["reference"] or "",
    )


DONE = {
    "acknowledge": "acknowledged",
    "mitigate": "marked as mitigated",
    "resolve": "resolved",
    "severity": "given its new severity",
    "rollback": "rolled back by its deployment's rollback plan",
    "note": "given a note",
    "review": "reviewed: the decision is in the log",
    "serious": "marked as a serious incident",
    "report": "reported to the authority: the decision is in the log",
}


def act(slug: str, incident_id: int, step: str) -> ResponseReturnValue:
    """Every action on an incident: its own form, its operation, one commit."""
    org = get_organization(slug, STEPS[step])
    incident = get_incident(org, incident_id)
    form = step_form(step, request.form)
    here = url_for("incidents.show", slug=org.slug, incident_id=incident.id)
    if not form.validate_on_submit():
        return _page(org, incident, {step: form})
    try:
        _run(step, form, incident)
    except DomainError as error:
        refuse(form, error)
        db.session.refresh(incident)
        return _page(org, incident, {step: form})
    db.session.commit()
    flash(f"Incident #{incident.id} “{incident.title}” was {DONE[step]}.", "success")
    return redirect(f"{here}#actions" if step != "note" else f"{here}#timeline")


def _step_view(step: str) -> Any:
    @login_required
    def view(slug: str, incident_id: int) -> ResponseReturnValue:
        return act(slug, incident_id, step)

    view.__name__ = step
    return view


# Each step its own URL and endpoint (incidents.acknowledge → /<id>/acknowledge, ...).
for _step in STEPS:
    bp.add_url_rule(
        f"/<int:incident_id>/{_step}", endpoint=_step, view_func=_step_view(_step), methods=["POST"]
    )
