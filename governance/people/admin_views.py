"""The admin's user management: who may sign in at all. Memberships live on each organization."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from governance.errors import DomainError
from governance.extensions import db
from governance.loaders import authorize
from governance.people import operations as people
from governance.people.forms import UserForm
from governance.people.models import Membership, User
from governance.permissions import Action
from governance.portfolio.models import Organization
from governance.web.confirm import confirmation
from governance.web.helpers import form_status, save

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users() -> ResponseReturnValue:
    authorize(Action.ADMINISTER, None)
    form = UserForm()
    saved = save(
        form,
        lambda: people.create_user(
            form.email.data or "", form.name.data or "", form.password.data or ""
        ),
        success=lambda user: f"{user.name} can now sign in. Add them to an organization.",
        redirect_to=url_for("admin.users"),
    )
    if saved is not None:
        return saved
    rows = db.session.execute(
        sa.select(User, sa.func.aggregate_strings(Organization.slug, ", "))
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Organization, Organization.id == Membership.organization_id)
        .group_by(User.id)
        .order_by(User.name)
    ).all()
    # Whom the admin may not deactivate (themselves): the list offers no link for them.
    refused = {user.id: people.deactivation_refused(user, current_user) for user, _ in rows}
    return render_template(
        "people/users.html", form=form, rows=rows, refused=refused
    ), form_status()


@bp.get("/users/<int:user_id>/active")
@login_required
def confirm_set_active(user_id: int) -> ResponseReturnValue:
    """Asked before deactivating (`set_active`): reactivating takes nothing away, so its
    button posts at once; this page still answers for an inactive user, offering that."""
    authorize(Action.ADMINISTER, None)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    action = url_for("admin.set_active", user_id=user.id)
    if not user.active:
        return confirmation(
            title=f"Reactivate {user.name}?",
            what=f"{user.name} ({user.email}) is deactivated.",
            consequences=[
                "They can sign in again with their password, in the organizations "
                "they are still a member of."
            ],
            action=action,
            fields={"active": "1"},
            button=f"Reactivate {user.name}",
            cancel=url_for("admin.users"),
        )
    return confirmation(
        title=f"Deactivate {user.name}?",
        what=f"{user.name} ({user.email}) can sign in now.",
        consequences=[
            "They can no longer sign in; the sessions they have open end now.",
            "Their API tokens stop working.",
            "Their memberships and everything they recorded stay; you can reactivate them "
            "later from this list.",
        ],
        action=action,
        fields={"active": "0"},
        button=f"Deactivate {user.name}",
        cancel=url_for("admin.users"),
        refusal=people.deactivation_refused(user, current_user),
    )


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int) -> ResponseReturnValue:
    authorize(Action.ADMINISTER, None)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    try:
        people.set_active(user, request.form.get("active") == "1", current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{user.name} is {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))
