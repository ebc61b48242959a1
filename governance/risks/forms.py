"""Forms for assessments, objectives, KPIs, measurements, KPI thresholds and risks."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from governance.enums import RiskCategory, RiskStatus
from governance.maturity.forms import LEVEL_RANGE
from governance.web.forms import VersionedForm, _optional_int, choices


class RiskForm(VersionedForm):
    title = StringField("Risk", validators=[DataRequired(), Length(max=200)])
    category = SelectField("Category", choices=choices(RiskCategory))
    initiative_id = SelectField("Initiative", coerce=_optional_int)
    likelihood = IntegerField("Likelihood (1–5)", validators=[InputRequired(), LEVEL_RANGE])
    impact = IntegerField("Impact (1–5)", validators=[InputRequired(), LEVEL_RANGE])
    owner_id = SelectField("Owner", coerce=_optional_int)
    mitigation = TextAreaField("Mitigation", validators=[Length(max=4000)])
    status = SelectField("Status", choices=choices(RiskStatus), default=RiskStatus.OPEN.value)
    description = TextAreaField("Description", validators=[Length(max=4000)])
