"""Forms to register lineage: artifacts, edges and rollback plans."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from governance.enums import ArtifactKind, DataClassification, EdgeKind, Environment, label
from governance.web.forms import VersionedForm, _optional_int, choices


def _optional_text(value: object) -> str | None:
    return str(value) if value not in (None, "", "None") else None


EDGE_HINTS = {
    EdgeKind.DERIVED_FROM: "the downstream dataset or feature set is derived from the upstream",
    EdgeKind.TRAINED_ON: "the downstream model was trained on the upstream data",
    EdgeKind.DEPLOYED_AS: "the upstream model version is deployed as the downstream deployment",
    EdgeKind.FEEDS: "the upstream feeds the downstream (jobs and their datasets)",
    EdgeKind.MEASURED_BY: "the downstream business outcome is measured by the upstream",
}


class ArtifactForm(VersionedForm):
    kind = SelectField("Kind", choices=choices(ArtifactKind), default=ArtifactKind.DATASET.value)
    namespace = StringField(
        "Namespace",
        description="Where it lives: a system, database or team (postgres://wms:5432, mlflow).",
        validators=[DataRequired(), Length(max=255)],
    )
    name = StringField(
        "Name",
        description="Unique within the namespace; a model version includes its number "
        "(parcel-fraud-gbm@3).",
        validators=[DataRequired(), Length(max=500)],
    )
    version_tag = StringField("Version", validators=[Length(max=120)])
    owner = StringField("Owner", description="A person or a team.", validators=[Length(max=160)])
    data_classification = SelectField(
        "Data classification",
        choices=choices(DataClassification),
        default=DataClassification.INTERNAL.value,
    )
    initiative_id = SelectField("Initiative it serves", coerce=_optional_int)
    environment = SelectField(
        "Environment (deployments)",
        coerce=_optional_text,
        choices=[SelectChoice(None, "—")] + choices(Environment),
    )
    parent_id = SelectField("Model (model versions)", coerce=_optional_int)
    description = TextAreaField("Description", validators=[Length(max=4000)])


class EdgeForm(VersionedForm):
    source_id = SelectField("Upstream", coerce=_optional_int, validators=[DataRequired()])
    kind = SelectField(
        "Relation",
        choices=[SelectChoice(k.value, f"{label(k)}: {EDGE_HINTS[k]}") for k in EdgeKind],
    )
    target_id = SelectField("Downstream", coerce=_optional_int, validators=[DataRequired()])


class RollbackPlanForm(VersionedForm):
    target_version_id = SelectField(
        "Roll back to (model version)", coerce=_optional_int, validators=[DataRequired()]
    )
    procedure = TextAreaField(
        "Procedure", validators=[DataRequired(), Length(max=8000)], description="Step by step."
    )
    owner = StringField("Owner", validators=[DataRequired(), Length(max=160)])
    last_tested_on = DateField("Last tested", validators=[Optional()])
    restore_minutes = IntegerField(
        "Minutes to restore in the last test",
        validators=[Optional(), NumberRange(min=0, max=100_000)],
    )


def artifact_choices(artifacts: list, blank: str | None = None) -> list[SelectChoice]:
    first = [SelectChoice(None, blank)] if blank else []
    return first + [
        SelectChoice(a.id, f"{label(a.kind)} · {a.namespace}:{a.name}") for a in artifacts
    ]
