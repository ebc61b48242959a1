"""Load an object *and* check access in one place: 404 outside one's organizations, 403 for a
missing right. Every view and API handler goes through these."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from flask import abort
from flask_login import current_user

from governance.decisions.models import Decision
from governance.extensions import db
from governance.gates.models import Checkpoint, ExitCriterion, Phase, StageGate
from governance.incidents.models import Incident
from governance.lineage.models import LineageArtifact, LineageEdge
from governance.maturity.models import Kpi, Objective
from governance.monitoring.models import Monitor
from governance.permissions import Action, can, is_member
from governance.portfolio.models import Initiative, Organization, Program
from governance.risks.models import Risk

if TYPE_CHECKING:
    from governance.incidents.metrics import Filters

T = TypeVar("T")


def authorize(action: Action, obj: object, user: object | None = None) -> None:
    user = user if user is not None else current_user
    if not can(user, action, obj):  # type: ignore[arg-type]
        abort(403, description="Your role in this organization does not allow this.")


def get_organization(
    slug: str, action: Action = Action.READ, user: object | None = None
) -> Organization:
    user = user if user is not None else current_user
    org = db.session.scalar(db.select(Organization).where(Organization.slug == slug))
    if org is None or not is_member(user, org.id):  # type: ignore[arg-type]
        abort(404, description="No such organization.")
    authorize(action, org, user)
    return org


def _in_org(model: type[T], org: Organization, object_id: int, what: str) -> T:
    obj = db.session.get(model, object_id)
    if obj is None or obj.organization_id != org.id:  # type: ignore[attr-defined]
        abort(404, description=f"No such {what} in this organization.")
    return obj


def get_program(org: Organization, program_id: int) -> Program:
    return _in_org(Program, org, program_id, "program")


def get_initiative(org: Organization, initiative_id: int) -> Initiative:
    return _in_org(Initiative, org, initiative_id, "initiative")


def get_criterion(org: Organization, criterion_id: int) -> ExitCriterion:
    return _in_org(ExitCriterion, org, criterion_id, "exit criterion")


def get_checkpoint(org: Organization, checkpoint_id: int) -> Checkpoint:
    return _in_org(Checkpoint, org, checkpoint_id, "checkpoint")


def get_artifact(org: Organization, artifact_id: int) -> LineageArtifact:
    return _in_org(LineageArtifact, org, artifact_id, "lineage artifact")


def get_edge(org: Organization, edge_id: int) -> LineageEdge:
    return _in_org(LineageEdge, org, edge_id, "edge")


def get_risk(org: Organization, risk_id: int) -> Risk:
    return _in_org(Risk, org, risk_id, "risk")


def get_objective(org: Organization, objective_id: int) -> Objective:
    return _in_org(Objective, org, objective_id, "objective")


def get_kpi(org: Organization, kpi_id: int) -> Kpi:
    return _in_org(Kpi, org, kpi_id, "KPI")


def get_decision(org: Organization, decision_id: int) -> Decision:
    """A decision by id (the id of its first entry, as `supersedes_id` names it)."""
    return _in_org(Decision, org, decision_id, "decision")


def get_phase(initiative: Initiative, phase_id: int) -> Phase:
    phase = db.session.get(Phase, phase_id)
    if phase is None or phase.initiative_id != initiative.id:
        abort(404, description="No such phase in this initiative.")
    return phase


def get_stage_gate(initiative: Initiative, gate_id: int) -> StageGate:
    gate = db.session.get(StageGate, gate_id)
    if gate is None or gate.initiative_id != initiative.id:
        abort(404, description="No such stage gate in this initiative.")
    return gate


def get_initiative_criterion(
    slug: str, initiative_id: int, criterion_id: int, action: Action
) -> tuple[Organization, Initiative, ExitCriterion]:
    """An exit criterion addressed through its initiative: both must belong together."""
    org = get_organization(slug, action)
    initiative = get_initiative(org, initiative_id)
    criterion = get_criterion(org, criterion_id)
    if criterion.initiative_id != initiative.id:
        abort(404, description="No such exit criterion on this initiative.")
    return org, initiative, criterion


def get_monitor(org: Organization, monitor_id: int) -> Monitor:
    return _in_org(Monitor, org, monitor_id, "monitor")


def get_incident(org: Organization, incident_id: int) -> Incident:
    return _in_org(Incident, org, incident_id, "incident")


def get_operations_filters(
    org: Organization, initiative_id: int | None, deployment_id: int | None
) -> Filters:
    """The operations figures narrowed to an initiative or a deployment of this organization;
    404 for one that is not (a download names exactly what it holds)."""
    from governance.incidents import health_grid
    from governance.incidents.metrics import Filters

    if initiative_id is not None and initiative_id not in health_grid.initiative_names(org.id):
        abort(404, description="No such initiative in this organization.")
    if deployment_id is not None and not health_grid.is_deployment(org.id, deployment_id):
        abort(404, description="No such deployment in this organization.")
    return Filters(initiative_id, deployment_id)
