"""Web forms. Each carries a CSRF token (Flask-WTF); edit forms carry the record's version."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
)

from governance.enums import RiskTier
from governance.web.forms import VersionedForm, _optional_int, choices


class OrganizationForm(VersionedForm):
    slug = StringField(
        "Web address",
        description="Lower-case letters, digits and dashes: the organization's pages are at"
        " /orgs/<web address>.",
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


class ReviewRulesForm(VersionedForm):
    two_approvers_for_high_risk = BooleanField(
        "Two approvers for checkpoints of high-risk initiatives",
        description="Two people other than the requester (leader, PMO or admin) approve each"
        " checkpoint of a high-risk initiative; it stays in review after the first approval.",
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
