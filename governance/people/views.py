"""Sign in and out. Sessions are short-lived cookies; logout is POST only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from governance.audit import set_request_actor
from governance.extensions import db, limiter, login_manager
from governance.people.forms import LoginForm
from governance.people.models import User
from governance.people.operations import find_user
from governance.security import safe_next
from governance.web.helpers import form_status

bp = Blueprint("auth", __name__)


login_manager.login_view = "auth.login"


login_manager.login_message = "Sign in to see this page."


login_manager.login_message_category = "info"


login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


@bp.before_app_request
def remember_actor() -> None:
    # The audit trail records who made each change; the API sets this from its token.
    if current_user.is_authenticated:
        set_request_actor(current_user.id)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("portfolio.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.email.data or "")
        if user is None or not user.is_active or not user.check_password(form.password.data or ""):
            # One message for both cases: do not reveal which emails have accounts.
            form.password.errors = ["That email and password do not match an account."]
        else:
            login_user(user)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or url_for("portfolio.index"))
    return render_template("people/login.html", form=form), form_status()


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
