"""Small helpers the web views share, and the one skeleton every form post follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect, request
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from governance.enums import label
from governance.errors import ConflictError, DomainError
from governance.extensions import db

T = TypeVar("T")

# What a view flashes once saved: the text (a success), or (text, category); None when the
# page it redirects to already says it (one banner, not the same message twice).
Flash = str | tuple[str, str] | None


def save(
    form: FlaskForm,
    operation: Callable[[], T],
    *,
    success: Flash | Callable[[T], Flash],
    redirect_to: str | Callable[[T], str],
    refused: Callable[[DomainError], ResponseReturnValue] | None = None,
) -> ResponseReturnValue | None:
    """Handle a form post: validate, run the operation, then commit, flash and redirect.

    A domain rule's refusal is shown on the form and nothing is stored (see `refuse`). None
    means "show the form again" (not posted, invalid or refused): the caller renders it, with
    `form_status()`. `refused`, when given, answers a refusal instead (say with its own
    status). `operation` runs only once the form is valid, so what it needs from the form can
    be read inside it; `success` and `redirect_to` may depend on what the operation returns.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = operation()
    except DomainError as error:
        refuse(form, error)
        return refused(error) if refused is not None else None
    db.session.commit()
    message = success(result) if callable(success) else success
    if message is not None:
        text, category = (message, "success") if isinstance(message, str) else message
        flash(text, category)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


def form_status() -> int:
    """The status of a form page: 400 when it is shown again after a post (invalid or
    refused), 200 when it is first shown."""
    return 400 if request.method == "POST" else 200


def refuse(form: FlaskForm, error: DomainError) -> None:
    """Show a refusal on the form, and forget whatever the operation had started."""
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*list(target.errors or []), error.message]
    else:
        form.form_errors.append(error.message)
    if isinstance(error, ConflictError):
        current = "; ".join(f"{label(k)}: {_show(v)}" for k, v in error.current.items())
        flash(f"Current values: {current}", "warning")


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    return str(getattr(value, "value", value))
