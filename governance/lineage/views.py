"""Lineage pages: the organization's graph, an artifact with its upstream and downstream,
impact analysis, and the forms to register artifacts, edges and rollback plans."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from governance.enums import ArtifactKind, DataClassification, EdgeKind, Environment, label
from governance.errors import DomainError
from governance.extensions import db
from governance.incidents.queries import deployment_incidents
from governance.lineage import operations as ops
from governance.lineage import queries as q
from governance.lineage.figure import figure_json, lineage_figure
from governance.lineage.forms import ArtifactForm, EdgeForm, RollbackPlanForm, artifact_choices
from governance.lineage.graph import Subgraph
from governance.lineage.models import LineageArtifact, LineageEdge
from governance.loaders import authorize, get_artifact, get_edge, get_organization
from governance.monitoring.queries import deployment_monitors
from governance.permissions import Action
from governance.portfolio.models import Organization
from governance.web.confirm import confirmation
from governance.web.helpers import form_status, save

bp = Blueprint("lineage", __name__, url_prefix="/orgs/<slug>/lineage")


K = ArtifactKind


def _figure(
    org: Organization,
    graph: Subgraph | q.OrgGraph,
    focus: int | None = None,
    initiatives: list[Any] | None = None,
) -> str:
    names = {i.id: i.name for i in (q.initiatives_of(org) if initiatives is None else initiatives)}
    if isinstance(graph, Subgraph):
        artifacts = [r.artifact for r in graph.nodes]
        edges = [(e.source_id, e.target_id) for e in graph.edges]
    else:
        artifacts, edges = graph.artifacts, graph.edges
    figure = lineage_figure(
        artifacts,
        edges,
        lambda a: url_for("lineage.show", slug=org.slug, artifact_id=a.id),
        names,
        focus,
    )
    return figure_json(figure)


@bp.get("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    org = get_organization(slug)
    initiatives = q.initiatives_of(org)
    chosen = request.args.get("initiative", "")
    initiative_id = int(chosen) if chosen.isdigit() else None
    if initiative_id is not None and initiative_id not in {i.id for i in initiatives}:
        abort(404, description="No such initiative in this organization.")
    graph = q.org_graph(org, initiative_id)
    return render_template(
        "lineage/index.html",
        org=org,
        graph=graph,
        figure=_figure(org, graph, initiatives=initiatives) if graph.artifacts else None,
        initiatives=initiatives,
        initiative_id=initiative_id,
        kinds=list(K),
        limit=q.GRAPH_LIMIT,
    )


@bp.get("/<int:artifact_id>")
@login_required
def show(slug: str, artifact_id: int) -> ResponseReturnValue:
    org = get_organization(slug)
    artifact = get_artifact(org, artifact_id)
    page = q.artifact_page(artifact)
    both = Subgraph(
        page.upstream.nodes + [r for r in page.downstream.nodes if r.artifact.id != artifact.id],
        page.upstream.edges + page.downstream.edges,
    )
    return render_template(
        "lineage/show.html",
        org=org,
        artifact=artifact,
        page=page,
        figure=_figure(org, both, artifact.id),
        # The deployment's recent incidents (incidents/_deployment_incidents.html).
        deployment_incidents=(
            deployment_incidents(artifact) if artifact.kind == ArtifactKind.DEPLOYMENT else None
        ),
        monitors=deployment_monitors(artifact) if artifact.kind == K.DEPLOYMENT else None,
    )


@bp.get("/<int:artifact_id>/impact")
@login_required
def impact(slug: str, artifact_id: int) -> ResponseReturnValue:
    org = get_organization(slug)
    artifact = get_artifact(org, artifact_id)
    page = q.artifact_page(artifact)
    affected: dict[ArtifactKind, list[Any]] = {}
    for reached in page.downstream.nodes:
        if reached.artifact.id != artifact.id:
            affected.setdefault(reached.artifact.kind, []).append(reached)
    return render_template(
        "lineage/impact.html",
        org=org,
        artifact=artifact,
        affected=affected,
        kinds=list(K),
        figure=_figure(org, page.downstream, artifact.id),
    )


def _artifact_form(org: Organization, artifact: LineageArtifact | None = None) -> ArtifactForm:
    form = ArtifactForm(obj=artifact)
    form.initiative_id.choices = [SelectChoice(None, "None yet")] + [
        SelectChoice(i.id, i.name) for i in q.initiatives_of(org)
    ]
    form.parent_id.choices = artifact_choices(q.artifacts_of(org, K.MODEL), "—")
    if request.method == "GET" and artifact is not None:
        form.version.data = str(artifact.version)
        form.kind.data = artifact.kind.value
        form.data_classification.data = artifact.data_classification.value
        form.environment.data = artifact.environment.value if artifact.environment else None
    return form


def _input(form: ArtifactForm) -> ops.ArtifactInput:
    return ops.ArtifactInput(
        namespace=form.namespace.data or "",
        name=form.name.data or "",
        version_tag=form.version_tag.data or "",
        owner=form.owner.data or "",
        data_classification=DataClassification(form.data_classification.data),
        description=form.description.data or "",
        initiative_id=form.initiative_id.data,
        environment=Environment(form.environment.data) if form.environment.data else None,
        parent_id=form.parent_id.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    form = _artifact_form(org)
    if request.method == "GET":
        if request.args.get("kind") in {k.value for k in K}:
            form.kind.data = request.args["kind"]
        if request.args.get("initiative", "").isdigit():
            form.initiative_id.data = int(request.args["initiative"])
    saved = save(
        form,
        lambda: ops.register_artifact(
            org, current_user, ArtifactKind(form.kind.data), _input(form)
        ),
        success=lambda artifact: f"{label(artifact.kind)} {artifact.name} was registered.",
        redirect_to=lambda artifact: _artifact_url(org, artifact.id),
    )
    if saved is not None:
        return saved
    return render_template("lineage/form.html", org=org, form=form, artifact=None), form_status()


def _artifact_url(org: Organization, artifact_id: int) -> str:
    return url_for("lineage.show", slug=org.slug, artifact_id=artifact_id)


@bp.route("/<int:artifact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, artifact_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    artifact = get_artifact(org, artifact_id)
    form = _artifact_form(org, artifact)

    def update() -> LineageArtifact:
        if form.kind.data != artifact.kind.value:
            raise DomainError(
                "The kind cannot change: register a new artifact instead.", field="kind"
            )
        return ops.update_artifact(artifact, current_user, form.expected_version(), _input(form))

    saved = save(
        form,
        update,
        success=lambda a: f"Artifact “{a.name}” saved.",
        redirect_to=_artifact_url(org, artifact.id),
    )
    if saved is not None:
        return saved
    return render_template(
        "lineage/form.html", org=org, form=form, artifact=artifact
    ), form_status()


@bp.route("/edges/new", methods=["GET", "POST"])
@login_required
def create_edge(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    everything = q.artifacts_of(org)
    form = EdgeForm()
    form.source_id.choices = artifact_choices(everything, "Choose…")
    form.target_id.choices = artifact_choices(everything, "Choose…")
    if request.method == "GET":
        for name in ("source_id", "target_id"):
            if request.args.get(name, "").isdigit():
                getattr(form, name).data = int(request.args[name])
    back = request.args.get("from", "")

    def add_edge() -> LineageEdge:
        source = get_artifact(org, form.source_id.data or 0)
        target = get_artifact(org, form.target_id.data or 0)
        return ops.add_edge(source, target, EdgeKind(form.kind.data), current_user)

    def added(edge: LineageEdge) -> str:
        first, relation, second = edge.reading()
        return f"Edge added: {first.name} {relation} {second.name}."

    def returned(edge: LineageEdge) -> str:
        # Back to the artifact whose page the edge was added from, else to its source.
        return _artifact_url(org, int(back) if back.isdigit() else edge.source_id)

    saved = save(form, add_edge, success=added, redirect_to=returned)
    if saved is not None:
        return saved
    return render_template("lineage/edge_form.html", org=org, form=form), form_status()


@bp.get("/edges/<int:edge_id>/remove")
@login_required
def confirm_remove_edge(slug: str, edge_id: int) -> ResponseReturnValue:
    """Asked before `remove_edge`: which edge goes, and what stops following it."""
    org = get_organization(slug, Action.CONTRIBUTE)
    edge = get_edge(org, edge_id)
    authorize(Action.CONTRIBUTE, edge)
    back = request.args.get("from", "")
    source, target = edge.source, edge.target
    consequences = [
        f"Impact analysis and the lineage graph no longer lead from {source.name} "
        f"to {target.name} through this edge.",
        "Both artifacts and their other edges stay.",
    ]
    if edge.origin.value == "openlineage":
        consequences.append(
            "It came from OpenLineage: a later run event that reports it adds it back."
        )
    return confirmation(
        title="Remove this lineage edge?",
        org=org,
        what=f"{source.name} → {target.name} ({label(edge.kind)}).",
        consequences=consequences,
        action=url_for("lineage.remove_edge", slug=org.slug, edge_id=edge.id),
        fields={"from": back} if back.isdigit() else {},
        button="Remove the edge",
        cancel=_artifact_url(org, int(back))
        if back.isdigit()
        else url_for("lineage.index", slug=org.slug),
    )


@bp.post("/edges/<int:edge_id>/remove")
@login_required
def remove_edge(slug: str, edge_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    edge = get_edge(org, edge_id)
    back = request.form.get("from", "")
    ops.remove_edge(edge, current_user)
    db.session.commit()
    flash("The edge was removed.", "success")
    if back.isdigit():
        return redirect(url_for("lineage.show", slug=org.slug, artifact_id=int(back)))
    return redirect(url_for("lineage.index", slug=org.slug))


@bp.route("/<int:artifact_id>/rollback", methods=["GET", "POST"])
@login_required
def rollback(slug: str, artifact_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    deployment = get_artifact(org, artifact_id)
    if deployment.kind != K.DEPLOYMENT:
        abort(404, description="Only a deployment has a rollback plan.")
    plan = q.artifact_page(deployment).plan
    form = RollbackPlanForm(obj=plan)
    form.target_version_id.choices = artifact_choices(
        q.artifacts_of(org, K.MODEL_VERSION), "Choose…"
    )
    if request.method == "GET" and plan is not None:
        form.version.data = str(plan.version)
    saved = save(
        form,
        lambda: ops.set_rollback_plan(
            deployment,
            current_user,
            form.expected_version(),
            target_version_id=form.target_version_id.data,
            procedure=form.procedure.data or "",
            owner=form.owner.data or "",
            last_tested_on=form.last_tested_on.data,
            restore_minutes=form.restore_minutes.data,
        ),
        success="Rollback plan saved.",
        redirect_to=_artifact_url(org, deployment.id),
    )
    if saved is not None:
        return saved
    return render_template(
        "lineage/rollback_form.html", org=org, form=form, deployment=deployment, plan=plan
    ), form_status()
