"""The monitor form: what a deployment's monitor watches, when it is healthy, who is alerted."""

from __future__ import annotations

from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from governance.enums import Comparator, MonitorSignal, Severity
from governance.web.forms import VersionedForm, _optional_int, choices

COMPARATOR_WORDS = {
    Comparator.AT_LEAST: "at least (≥)",
    Comparator.AT_MOST: "at most (≤)",
    Comparator.ABOVE: "above (>)",
    Comparator.BELOW: "below (<)",
}


class MonitorForm(VersionedForm):
    deployment_id = SelectField("Deployment", coerce=_optional_int)
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    key = StringField(
        "Key",
        validators=[DataRequired(), Length(max=120)],
        description="Lower-case letters, digits, '.', '_' or '-': what the API and Alertmanager's "
        "`monitor` label name it by.",
    )
    signal = SelectField("What it watches", choices=choices(MonitorSignal))
    metric = StringField(
        "Metric",
        validators=[DataRequired(), Length(max=120)],
        description="The name observations carry: auc, psi, p95_latency_ms, "
        "assertion.not_null.customer_id…",
    )
    comparator = SelectField(
        "Healthy while the value is",
        choices=[SelectChoice(c.value, words) for c, words in COMPARATOR_WORDS.items()],
    )
    threshold = DecimalField("Threshold", validators=[InputRequired()])
    unit = StringField("Unit", validators=[Length(max=40)])
    window_minutes = IntegerField(
        "Window (minutes)",
        default=60,
        validators=[
            InputRequired(),
            NumberRange(min=1, max=60 * 24 * 31, message="1 minute to 31 days, in minutes."),
        ],
        description="Without an observation for this long, the monitor is silent.",
    )
    severity = SelectField(
        "Severity of what it opens",
        choices=[SelectChoice(s.value, s.label) for s in Severity],
        default=Severity.SEV3.value,
    )
    owner_id = SelectField("Owner (alerted)", coerce=_optional_int)
    dataset_id = SelectField(
        "Dataset (data-quality monitors)",
        coerce=_optional_int,
        description="Whose OpenLineage data-quality facets this monitor judges.",
    )
    active = BooleanField("Active (judges what arrives)", default=True)
