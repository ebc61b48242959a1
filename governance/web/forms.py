"""Web forms. Each carries a CSRF token (Flask-WTF); edit forms carry the record's version.

Every form derives from `Form`, whose fields check what the database can hold before any
form's own validators run (see `governance.database`): text without NUL, names without
text-direction controls, whole numbers and decimals within range, dates within bounds. One
place, so a new field of a new form is checked without a line of its own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from governance.database import date_problem, in_integer_range, text_problem
from governance.enums import label


def storable(form: Any, field: Field) -> None:
    """Refuse what no column can hold, before the field's own validators see it."""
    data = field.data
    problem = None
    if isinstance(data, str):
        # Multi-line text and passwords may hold right-to-left runs; one-line fields are names.
        name = not isinstance(field, TextAreaField | PasswordField)
        problem = text_problem(data, name=name)
    elif isinstance(data, bool):
        problem = None
    elif isinstance(data, int):
        problem = None if in_integer_range(data) else "Enter a smaller number."
    elif isinstance(data, Decimal):
        problem = None if data.is_finite() else "Enter a number."
    elif hasattr(data, "isoformat") and isinstance(field, DateField):
        problem = date_problem(data)
    if problem:
        raise StopValidation(problem)


_CHECKED = (StringField, IntegerField, DecimalField, DateField)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: Any) -> Field:
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, _CHECKED):
                # A new list: the declared one is shared by every instance of the form.
                field.validators = [storable, *field.validators]
            return field


def choices(enum: Any) -> list[SelectChoice]:
    return [SelectChoice(member.value, label(member.value)) for member in enum]


def _optional_int(value: Any) -> int | None:
    """A select's id, or None for the blank choice; past the database's range it is no choice
    at all (WTForms reports "could not coerce"), even where any value is accepted (filters)."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not in_integer_range(number):
        raise ValueError("out of range")
    return number


class VersionedForm(Form):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data) if self.version.data else None
        except ValueError:
            return None


def member_choices(members: list[tuple[Any, str]], blank: str = "Nobody yet") -> list[SelectChoice]:
    return [SelectChoice(None, blank)] + [
        SelectChoice(user.id, user.name) for user, _role in members
    ]
