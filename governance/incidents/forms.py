"""Forms of the incident pages: opening an incident, and one small form per action on it.
Times are entered in UTC (the pages say so) and stored aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from governance.enums import SeriousIncidentKind, Severity
from governance.web.forms import Form, VersionedForm, _optional_int

TIME_FORMAT = "%Y-%m-%dT%H:%M"
SEVERITY_CHOICES = [
    SelectChoice(Severity.SEV1.value, "SEV1 – critical: the service is down or harming people"),
    SelectChoice(Severity.SEV2.value, "SEV2 – major: badly degraded for many"),
    SelectChoice(Severity.SEV3.value, "SEV3 – minor: degraded for some"),
    SelectChoice(Severity.SEV4.value, "SEV4 – low: no visible impact yet"),
]
SERIOUS_CHOICES = [
    SelectChoice(SeriousIncidentKind.STANDARD.value, "Serious incident: report within 15 days"),
    SelectChoice(SeriousIncidentKind.DEATH.value, "A person died: report within 10 days"),
    SelectChoice(
        SeriousIncidentKind.WIDESPREAD_OR_CRITICAL.value,
        "Widespread infringement or critical infrastructure: report within 2 days",
    ),
]


def utc(moment: datetime | None) -> datetime | None:
    """A time typed in the form (naive, UTC as the label says) as an aware UTC time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def moment_field(label: str, *, required: bool = False, **kwargs: Any) -> DateTimeLocalField:
    check = [InputRequired()] if required else [Optional()]
    return DateTimeLocalField(label, format=TIME_FORMAT, validators=check, **kwargs)


class IncidentForm(Form):
    title = StringField("What is wrong", validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField("Summary", validators=[Length(max=4000)])
    severity = SelectField("Severity", choices=SEVERITY_CHOICES, default=Severity.SEV3.value)
    deployment_id = SelectField("Deployment", coerce=_optional_int)
    monitor_id = SelectField("Monitor that saw it", coerce=_optional_int)
    impact_started_at = moment_field("Impact started (UTC)")
    detected_at = moment_field("Detected (UTC)")


class StepForm(Form):
    """Acknowledge: nothing to fill in but the CSRF token."""


class NoteForm(Form):
    note = TextAreaField("Note", validators=[Length(max=4000)])


class RequiredNoteForm(Form):
    note = TextAreaField("Note", validators=[DataRequired(), Length(max=4000)])


class SeverityForm(VersionedForm):
    severity = SelectField("Severity", choices=SEVERITY_CHOICES)


class RollbackForm(Form):
    minutes = IntegerField(
        "Minutes it took to restore service",
        validators=[InputRequired(), NumberRange(min=0, max=60 * 24 * 7)],
    )
    note = TextAreaField("Note", validators=[Length(max=4000)])


class ReviewForm(Form):
    title = StringField("Decision title", validators=[DataRequired(), Length(max=200)])
    context = TextAreaField("What happened and why", validators=[DataRequired(), Length(max=8000)])
    decision = TextAreaField("What we decided", validators=[DataRequired(), Length(max=8000)])
    rationale = TextAreaField("Rationale", validators=[Length(max=8000)])


class SeriousForm(Form):
    kind = SelectField("Kind of serious incident", choices=SERIOUS_CHOICES)
    aware_at = moment_field("Became aware (UTC)")


class ReportForm(Form):
    authority = StringField("Authority", validators=[DataRequired(), Length(max=200)])
    reference = StringField("Reference", validators=[Length(max=200)])
    reported_at = moment_field("Reported at (UTC)")


# The form of each step on the incident page; the prefix keeps their field ids apart.
STEP_FORMS: dict[str, type[Form]] = {
    "acknowledge": StepForm,
    "mitigate": NoteForm,
    "resolve": NoteForm,
    "severity": SeverityForm,
    "rollback": RollbackForm,
    "note": RequiredNoteForm,
    "review": ReviewForm,
    "serious": SeriousForm,
    "report": ReportForm,
}


def step_form(step: str, formdata: Any = None) -> Form:
    """The step's form, bound to the posted data when given (else empty: the page's)."""
    cls = STEP_FORMS[step]
    if formdata is None:
        return cls(prefix=step, formdata=None)
    return cls(prefix=step)
