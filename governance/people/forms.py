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

# Messages in plain words, not the library's ("This field is required.", "Invalid email
# address.", "Field must be between 8 and 200 characters long.").
EMAIL = Email(
    message="Enter an email address such as name@example.com.", check_deliverability=False
)


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), EMAIL])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class MembershipForm(Form):
    email = EmailField(
        "Email", validators=[DataRequired("Enter the person's email address."), EMAIL]
    )
    role = SelectField("Role", choices=choices(Role))


class UserForm(Form):
    email = EmailField(
        "Email", validators=[DataRequired("Enter the person's email address."), EMAIL]
    )
    name = StringField(
        "Full name",
        validators=[
            DataRequired("Enter the person's full name."),
            Length(max=120, message="Use at most 120 characters."),
        ],
    )
    password = PasswordField(
        "Initial password",
        description="At least 8 characters. Share it privately; the person can sign in at once.",
        validators=[
            DataRequired("Choose an initial password."),
            Length(min=8, max=200, message="Use 8 to 200 characters."),
        ],
    )


class PasswordForm(Form):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        description="At least 8 characters. Your other sessions are signed out.",
        validators=[
            DataRequired("Choose a new password."),
            Length(max=200, message="Use at most 200 characters."),
        ],
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the new password a second time."),
            EqualTo(
                "new_password",
                message="The two new passwords differ: type the same one in both fields.",
            ),
        ],
    )
