"""Web forms. Each carries a CSRF token (Flask-WTF); edit forms carry the record's version."""

from __future__ import annotations

from wtforms import (
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
)

from governance.enums import Role
from governance.web.forms import Form, choices


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField("Password", validators=[DataRequired()])


class MembershipForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])
    role = SelectField("Role", choices=choices(Role))


class UserForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        "Initial password",
        description="At least 8 characters. Share it privately; the person can sign in at once.",
        validators=[DataRequired(), Length(min=8, max=200)],
    )


class PasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        description="At least 8 characters. Your other sessions are signed out.",
        validators=[DataRequired(), Length(max=200)],
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two do not match.")],
    )
