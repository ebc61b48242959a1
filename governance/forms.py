"""Web forms. Each carries a CSRF token (Flask-WTF); edit forms carry the record's version."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from governance.enums import RiskTier, Role, label


def choices(enum: Any) -> list[SelectChoice]:
    return [SelectChoice(member.value, label(member.value)) for member in enum]


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class VersionedForm(FlaskForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data) if self.version.data else None
        except ValueError:
            return None


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField("Password", validators=[DataRequired()])


class OrganizationForm(VersionedForm):
    slug = StringField(
        "Address",
        description="Used in links: /orgs/<address>. Lower-case letters, digits and dashes.",
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message="Use lower-case letters, digits and dashes."
            ),
        ],
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=4000)])
    review_target_days = IntegerField(
        "Review target (working days)",
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=60)],
    )


class ProgramForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=4000)])
    owner_id = SelectField("Owner", coerce=_optional_int, validate_choice=True)


class InitiativeForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    description = TextAreaField("Description", validators=[Length(max=4000)])
    program_id = SelectField("Program", coerce=_optional_int, validators=[DataRequired()])
    risk_tier = SelectField("Risk tier", choices=choices(RiskTier), default=RiskTier.MEDIUM.value)
    owner_id = SelectField("Owner", coerce=_optional_int)
    sponsor = StringField("Executive sponsor", validators=[Length(max=160)])


class EvidenceForm(VersionedForm):
    evidence_url = URLField(
        "Evidence link",
        validators=[
            Optional(),
            URL(require_tld=False, message="Enter a full link (https://...)."),
            Length(max=500),
        ],
    )
    evidence_text = TextAreaField("Evidence", validators=[Length(max=8000)])

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (
            not (self.evidence_url.data or "").strip()
            and not (self.evidence_text.data or "").strip()
        ):
            self.evidence_text.errors = ["Give the evidence: a link, a description, or both."]
            return False
        return True


class CriterionPlanForm(VersionedForm):
    owner_id = SelectField("Owner", coerce=_optional_int)
    due_on = DateField("Due", validators=[Optional()])


class MembershipForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False)])
    role = SelectField("Role", choices=choices(Role))


def member_choices(members: list[tuple[Any, str]], blank: str = "Nobody yet") -> list[SelectChoice]:
    return [SelectChoice(None, blank)] + [
        SelectChoice(user.id, user.name) for user, _role in members
    ]
