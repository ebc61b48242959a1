"""Forms for assessments, objectives, KPIs, measurements, KPI thresholds and risks."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from governance.catalog import maturity_dimensions, maturity_levels
from governance.enums import Comparator, Direction, ValueDriver
from governance.web.forms import Form, VersionedForm, _optional_int, choices

LEVEL_RANGE = NumberRange(min=1, max=5, message="Enter a number from 1 to 5.")


BIG = NumberRange(min=-(10**14) + 1, max=10**14 - 1, message="Enter a smaller number.")


def _not_future(form: Any, field: Any) -> None:
    from wtforms.validators import ValidationError

    if field.data and field.data > date.today():
        raise ValidationError("This date is in the future.")


class AssessmentBase(Form):
    assessed_on = DateField(
        "Assessed on", default=date.today, validators=[InputRequired(), _not_future]
    )
    summary = TextAreaField("Summary", validators=[Length(max=4000)])

    def dimension_fields(self) -> list[tuple[dict[str, Any], Any, Any, Any]]:
        return [
            (d, self[f"score_{d['key']}"], self[f"target_{d['key']}"], self[f"note_{d['key']}"])
            for d in maturity_dimensions()
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not any(score.data for _d, score, _t, _n in self.dimension_fields()):
            self.form_errors.append("Score at least one dimension.")
            return False
        return ok


def assessment_form(**kwargs: Any) -> AssessmentBase:
    """The assessment form for the current maturity model: score, target and note per dimension."""
    levels = maturity_levels()
    level_choices = [SelectChoice(None, "Not assessed")] + [
        SelectChoice(n, f"{n} · {name}") for n, name in levels.items()
    ]
    target_choices = [SelectChoice(None, "No target")] + [
        SelectChoice(n, f"{n} · {name}") for n, name in levels.items()
    ]
    fields: dict[str, Any] = {}
    for d in maturity_dimensions():
        fields[f"score_{d['key']}"] = SelectField(
            f"{d['name']}: score", choices=level_choices, coerce=_optional_int
        )
        fields[f"target_{d['key']}"] = SelectField(
            f"{d['name']}: target", choices=target_choices, coerce=_optional_int
        )
        fields[f"note_{d['key']}"] = TextAreaField(
            f"{d['name']}: what you observed", validators=[Length(max=4000)]
        )
    form_class = type("AssessmentForm", (AssessmentBase,), fields)
    return form_class(**kwargs)


class ObjectiveForm(VersionedForm):
    title = StringField("Objective", validators=[DataRequired(), Length(max=200)])
    value_driver = SelectField(
        "Tied to",
        choices=choices(ValueDriver),
        description="What the success metric moves: revenue, cost or risk.",
    )
    description = TextAreaField("Description", validators=[Length(max=4000)])


class KpiForm(VersionedForm):
    name = StringField("KPI", validators=[DataRequired(), Length(max=160)])
    unit = StringField(
        "Unit", validators=[DataRequired(), Length(max=32)], description="%, EUR, minutes…"
    )
    direction = SelectField(
        "Better when it",
        choices=[SelectChoice("increase", "Increases"), SelectChoice("decrease", "Decreases")],
        default=Direction.INCREASE.value,
    )
    baseline = DecimalField("Baseline", places=None, validators=[Optional(), BIG])
    target = DecimalField("Target", places=None, validators=[Optional(), BIG])
    target_on = DateField("Target date", validators=[Optional()])


class MeasurementForm(Form):
    measured_on = DateField(
        "Measured on", default=date.today, validators=[InputRequired(), _not_future]
    )
    value = DecimalField("Value", places=None, validators=[InputRequired(), BIG])
    note = StringField("Note", validators=[Length(max=500)])


class ThresholdForm(Form):
    kpi_id = SelectField("KPI", coerce=_optional_int, validators=[DataRequired()])
    comparator = SelectField("Must be", choices=choices(Comparator))
    threshold = DecimalField("Threshold", places=None, validators=[InputRequired(), BIG])
    window_days = IntegerField(
        "In every measurement of the last (days)",
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=366)],
    )
    phase = SelectField("Exit criterion of the phase")
