"""Monitors on a deployment: add, edit, and each monitor's page with its recent observations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from governance.enums import ArtifactKind, Comparator, MonitorSignal, Severity
from governance.errors import DomainError
from governance.lineage.queries import artifacts_of
from governance.loaders import get_artifact, get_monitor, get_organization
from governance.monitoring import operations as ops
from governance.monitoring import queries as mq
from governance.monitoring.forms import MonitorForm
from governance.monitoring.health import monitor_readings
from governance.monitoring.models import Monitor
from governance.permissions import Action
from governance.portfolio import queries as pq
from governance.portfolio.models import Organization
from governance.web.forms import member_choices
from governance.web.helpers import form_status, save
from governance.web.inputs import query_int

bp = Blueprint("monitors", __name__, url_prefix="/orgs/<slug>/monitors")


@bp.get("/<int:monitor_id>")
@login_required
def show(slug: str, monitor_id: int) -> ResponseReturnValue:
    org = get_organization(slug)
    monitor = get_monitor(org, monitor_id)
    after = query_int("after")
    page = mq.observations_page(monitor, after)
    return render_template(
        "monitoring/show.html",
        org=org,
        monitor=monitor,
        reading=monitor_readings(org.id, [monitor.id])[monitor.id],
        page=page,
        bad_cursor=page.bad_cursor or (bool(request.args.get("after")) and after is None),
        incidents=[
            (i, url_for("incidents.show", slug=org.slug, incident_id=i.id))
            for i in mq.monitor_incidents(monitor)
        ],
    )


def _form(org: Organization, monitor: Monitor | None = None) -> MonitorForm:
    form = MonitorForm(obj=monitor)
    form.owner_id.choices = member_choices(pq.members_of(org))
    deployments = artifacts_of(org, ArtifactKind.DEPLOYMENT)
    form.deployment_id.choices = [SelectChoice(None, "Choose a deployment")] + [
        SelectChoice(d.id, d.name) for d in deployments
    ]
    datasets = artifacts_of(org, ArtifactKind.DATASET, ArtifactKind.FEATURE_SET)
    form.dataset_id.choices = [SelectChoice(None, "None: it watches the deployment")] + [
        SelectChoice(d.id, f"{d.name} ({d.namespace})") for d in datasets
    ]
    return form


def _values(form: MonitorForm) -> dict[str, Any]:
    threshold = form.threshold.data
    return {
        "key": form.key.data or "",
        "name": form.name.data or "",
        "signal": MonitorSignal(form.signal.data),
        "metric": form.metric.data or "",
        "comparator": Comparator(form.comparator.data),
        "threshold": float(threshold) if isinstance(threshold, Decimal) else threshold,
        "unit": form.unit.data or "",
        "window_minutes": form.window_minutes.data,
        "severity": Severity(form.severity.data),
        "owner_id": form.owner_id.data,
        "dataset_id": form.dataset_id.data,
    }


def _page(org: Organization, form: MonitorForm, monitor: Monitor | None) -> ResponseReturnValue:
    return (
        render_template("monitoring/form.html", org=org, form=form, monitor=monitor),
        form_status(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    form = _form(org)
    if request.method == "GET":
        form.deployment_id.data = query_int("deployment")
    del form.active  # a new monitor is active; deactivating is an edit

    def run() -> Monitor:
        if form.deployment_id.data is None:
            raise DomainError("Choose the deployment to monitor.", field="deployment_id")
        deployment = get_artifact(org, form.deployment_id.data)
        return ops.create_monitor(org, current_user, deployment, **_values(form))

    saved = save(
        form,
        run,
        success=lambda m: f"Monitor “{m.name}” now watches {m.deployment.name}.",
        redirect_to=lambda m: url_for("monitors.show", slug=org.slug, monitor_id=m.id),
    )
    if saved is not None:
        return saved
    return _page(org, form, None)


@bp.route("/<int:monitor_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, monitor_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    monitor = get_monitor(org, monitor_id)
    form = _form(org, monitor)
    del form.deployment_id  # a monitor stays on its deployment
    if request.method == "GET":
        form.version.data = str(monitor.version)
        form.signal.data = monitor.signal.value
        form.comparator.data = monitor.comparator.value
        form.severity.data = monitor.severity.value
        form.threshold.data = Decimal(repr(monitor.threshold))
    saved = save(
        form,
        lambda: ops.update_monitor(
            monitor,
            current_user,
            form.expected_version(),
            **_values(form),
            active=bool(form.active.data),
        ),
        success=lambda m: f"Monitor “{m.name}” saved.",
        redirect_to=url_for("monitors.show", slug=org.slug, monitor_id=monitor.id),
    )
    if saved is not None:
        return saved
    return _page(org, form, monitor)
