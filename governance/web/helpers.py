"""Small helpers the web views share."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_wtf import FlaskForm

from governance.enums import label
from governance.errors import ConflictError, DomainError
from governance.extensions import db


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
