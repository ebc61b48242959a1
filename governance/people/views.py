"""Sign in and out, and one's own password. Sessions live on the server (people/sessions.py):
the cookie carries only a session key, so logout ends the session for every copy of the
cookie. Logout is POST only."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from governance.audit import set_request_actor
from governance.extensions import db, limiter, login_manager
from governance.people import operations as people
from governance.people import sessions, sign_in
from governance.people.forms import LoginForm, PasswordForm
from governance.people.models import User
from governance.security import safe_next
from governance.web.helpers import form_status, save

bp = Blueprint("auth", __name__)


login_manager.login_view = "auth.login"


login_manager.login_message = "Sign in to see this page."


login_manager.login_message_category = "info"


login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    idle = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return sessions.session_user(session_key, idle)


# Requests that must not need the database to answer (health checks, files).
_NO_USER = {"static", "health.healthz", "assets.plotly_js", "dashboards.favicon"}


@bp.before_app_request
def remember_actor() -> None:
    # The audit trail records who made each change; the API sets this from its token (and
    # never reads the web's session).
    if request.endpoint in _NO_USER or request.path.startswith("/api/"):
        return
    if current_user.is_authenticated:
        set_request_actor(current_user.id)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("portfolio.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        wait = sign_in.locked_for(email)
        if wait is not None:
            form.password.errors = [sign_in.lockout_message(wait)]
            page = render_template("people/login.html", form=form)
            return page, 429, {"Retry-After": str(int(wait.total_seconds()) + 1)}
        user = sign_in.authenticate(email, form.password.data or "")
        if user is None:
            lock = sign_in.record_failure(email)
            db.session.commit()
            # One message for both cases: do not reveal which emails have accounts.
            message = "That email and password do not match an account."
            if lock is not None:
                message += " " + sign_in.lockout_message(lock)
            form.password.errors = [message]
        else:
            sign_in.clear_failures(email)
            sessions.start_session(user)
            db.session.commit()
            login_user(user)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or url_for("portfolio.index"))
    return render_template("people/login.html", form=form), form_status()


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    if current_user.session_key:
        sessions.end_session(current_user.session_key)
        db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    saved = save(
        form,
        lambda: people.change_password(
            current_user,
            form.current_password.data or "",
            form.new_password.data or "",
            keep_session=current_user.session_key,
        ),
        success="Your password is changed. Every other session of yours is signed out.",
        redirect_to=url_for("portfolio.index"),
    )
    if saved is not None:
        return saved
    return render_template("people/password.html", form=form), form_status()
