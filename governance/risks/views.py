"""An organization's AI risk register."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from governance.decisions.queries import risk_decisions
from governance.enums import RiskCategory, RiskStatus
from governance.extensions import db
from governance.loaders import get_organization, get_risk
from governance.permissions import Action
from governance.portfolio import queries as q
from governance.portfolio.models import Initiative, Organization
from governance.risks import operations as ops
from governance.risks import queries as rq
from governance.risks.forms import RiskForm
from governance.risks.history import risk_history
from governance.risks.models import HIGH_RISK_SCORE, Risk
from governance.web.forms import member_choices
from governance.web.helpers import form_status, save
from governance.web.inputs import query_int
from governance.web.links import back_to

bp = Blueprint("risks", __name__, url_prefix="/orgs/<slug>/risks")


@bp.get("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    """Pages of 50, highest score first; `after` is the last risk of the previous page."""
    org = get_organization(slug)
    status = request.args.get("status", "active")
    category = request.args.get("category", "")
    after = query_int("after")
    page = rq.risk_register_page(org, status, category, after)
    return render_template(
        "risks/index.html",
        org=org,
        page=page,
        risks=page.rows,
        bad_cursor=page.bad_cursor or (bool(request.args.get("after")) and after is None),
        status=status,
        category=category,
        statuses=list(RiskStatus),
        categories=list(RiskCategory),
        high=HIGH_RISK_SCORE,
    )


@bp.get("/<int:risk_id>")
@login_required
def show(slug: str, risk_id: int) -> ResponseReturnValue:
    """A risk's own page: its fields, the decisions that name it, and its history."""
    org = get_organization(slug)
    risk = get_risk(org, risk_id)
    return render_template(
        "risks/show.html",
        org=org,
        risk=risk,
        high=HIGH_RISK_SCORE,
        decisions=risk_decisions(org.id, risk.id),
        history=risk_history(risk),
    )


def _form(org: Organization, risk: Risk | None = None) -> RiskForm:
    form = RiskForm(obj=risk)
    form.owner_id.choices = member_choices(q.members_of(org))
    initiatives = db.session.execute(
        sa.select(Initiative.id, Initiative.name)
        .where(Initiative.organization_id == org.id)
        .order_by(Initiative.name)
    ).all()
    form.initiative_id.choices = [SelectChoice(None, "The whole organization")] + [
        SelectChoice(i, name) for i, name in initiatives
    ]
    return form


def _values(form: RiskForm) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "category": RiskCategory(form.category.data),
        "likelihood": form.likelihood.data,
        "impact": form.impact.data,
        "description": form.description.data or "",
        "owner_id": form.owner_id.data,
        "mitigation": form.mitigation.data or "",
        "status": RiskStatus(form.status.data),
        "initiative_id": form.initiative_id.data,
    }


def _page(org: Organization, form: RiskForm, risk: Risk | None) -> ResponseReturnValue:
    return render_template("risks/form.html", org=org, form=form, risk=risk), form_status()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    form = _form(org)
    if request.method == "GET" and request.args.get("initiative", "").isdigit():
        form.initiative_id.data = int(request.args["initiative"])
    saved = save(
        form,
        lambda: ops.create_risk(org, current_user, **_values(form)),
        success=lambda risk: f"Risk “{risk.title}” was added to the register.",
        redirect_to=lambda risk: url_for("risks.show", slug=org.slug, risk_id=risk.id),
    )
    if saved is not None:
        return saved
    return _page(org, form, None)


@bp.route("/<int:risk_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, risk_id: int) -> ResponseReturnValue:
    org = get_organization(slug, Action.CONTRIBUTE)
    risk = get_risk(org, risk_id)
    form = _form(org, risk)
    if request.method == "GET":
        form.version.data = str(risk.version)
        form.category.data = risk.category.value
        form.status.data = risk.status.value
    saved = save(
        form,
        lambda: ops.update_risk(risk, current_user, form.expected_version(), **_values(form)),
        success=lambda r: f"Risk “{r.title}” saved.",
        redirect_to=back_to(url_for("risks.show", slug=org.slug, risk_id=risk.id)),
    )
    if saved is not None:
        return saved
    return _page(org, form, risk)
