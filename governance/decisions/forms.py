"""Forms of the decision log (in governance/web/forms.py's style: Flask-WTF, CSRF, SelectChoice)."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from governance.enums import PHASE_TITLES, DecisionImpact, DecisionStatus, PhaseKind
from governance.web.forms import Form, _optional_int

# Kinds a person records from the form; checkpoint outcomes and waivers are written by their
# workflow (decisions/rules.py: SYSTEM_KINDS).
KINDS = [
    SelectChoice("general", "General"),
    SelectChoice("architecture", "Architecture / build vs buy"),
    SelectChoice("vendor", "Vendor choice"),
    SelectChoice("go_live", "Go-live / promotion"),
    SelectChoice("governance_expectations", "Governance expectations (objectives phase)"),
    SelectChoice("roadmap_refinement", "Roadmap refinement (evaluation phase)"),
]


LINES = "One per line."


class StartedFrom(Form):
    """The entry a revision started from (its seq): a change to an older state is refused."""

    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,12}$")])

    def started_from(self) -> int | None:
        return int(self.version.data) if self.version.data else None


class MadrFields(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    impact = SelectField(
        "Impact",
        choices=[
            SelectChoice(DecisionImpact.NORMAL.value, "Normal"),
            SelectChoice(DecisionImpact.HIGH.value, "High: needs a second person's approval"),
        ],
        default=DecisionImpact.NORMAL.value,
    )
    context = TextAreaField(
        "Context and problem statement", validators=[DataRequired(), Length(max=20000)]
    )
    decision_drivers = TextAreaField("Decision drivers", description=LINES)
    considered_options = TextAreaField("Considered options", description=LINES)
    decision = TextAreaField(
        "Decision (chosen option)", validators=[DataRequired(), Length(max=20000)]
    )
    rationale = TextAreaField("Rationale", validators=[Length(max=20000)])
    consequences = TextAreaField(
        "Consequences", description="Good and bad.", validators=[Length(max=20000)]
    )
    confirmation = TextAreaField(
        "Confirmation",
        description="How compliance with the decision will be confirmed.",
        validators=[Length(max=20000)],
    )
    decision_makers = TextAreaField("Decision-makers", description=LINES)
    consulted = TextAreaField("Consulted", description=LINES)
    informed = TextAreaField("Informed", description=LINES)
    risk_refs = TextAreaField("Risks concerned", description="References such as risk:12. " + LINES)
    artifact_refs = TextAreaField(
        "Lineage artifacts concerned", description="References such as model:fraud-v3. " + LINES
    )


class DecisionForm(MadrFields):
    kind = SelectField("Kind", choices=KINDS, default="general")
    status = SelectField(
        "Status",
        choices=[
            SelectChoice(DecisionStatus.ACCEPTED.value, "Accepted"),
            SelectChoice(DecisionStatus.PROPOSED.value, "Proposed"),
        ],
        # Accepted with Normal impact (MadrFields): the pair the rules record as chosen. With
        # High impact the rules record it as proposed, whatever is chosen here (rules.py).
        default=DecisionStatus.ACCEPTED.value,
        description=(
            "With High impact the decision is recorded as proposed, and accepted once a"
            " second person approves it."
        ),
    )
    initiative_id = SelectField("Initiative", coerce=_optional_int)
    phase = SelectField("Phase of the initiative", default="")
    supersedes_id = SelectField("Supersedes", coerce=_optional_int)

    def set_choices(self, initiatives: list[Any], open_decisions: list[Any]) -> None:
        self.initiative_id.choices = [SelectChoice(None, "None: organization-wide")] + [
            SelectChoice(i.id, i.name) for i in initiatives
        ]
        self.phase.choices = [SelectChoice("", "None")] + [
            SelectChoice(kind.value, PHASE_TITLES[kind]) for kind in PhaseKind
        ]
        self.supersedes_id.choices = [SelectChoice(None, "Nothing")] + [
            SelectChoice(d.thread_id, f"#{d.seq} {d.title} ({d.status.value})")
            for d in open_decisions
        ]


class CorrectionForm(MadrFields, StartedFrom):
    note = TextAreaField("What the correction fixes", validators=[DataRequired(), Length(max=4000)])
    version = HiddenField(
        validators=[
            DataRequired("Reload the page: the form does not say which entry it corrects."),
            Regexp(r"^\d{1,12}$"),
        ]
    )


class StatusForm(StartedFrom):
    status = SelectField(
        "New status",
        choices=[
            SelectChoice(DecisionStatus.ACCEPTED.value, "Accepted"),
            SelectChoice(DecisionStatus.REJECTED.value, "Rejected"),
            SelectChoice(DecisionStatus.DEPRECATED.value, "Deprecated"),
        ],
    )
    note = TextAreaField("Why", validators=[Length(max=4000)])


class ApprovalForm(StartedFrom):
    note = TextAreaField("Comment", validators=[Length(max=4000)])


class LogFilterForm(Form):
    """GET filters of the log page (no CSRF: they change nothing)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    initiative = SelectField("Initiative", coerce=_optional_int, validate_choice=False)
    status = SelectField("Status", validate_choice=False)
    impact = SelectField("Impact", validate_choice=False)
    person = SelectField("Who", coerce=_optional_int, validate_choice=False)
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    entries = SelectField(
        "Show",
        choices=[
            SelectChoice("", "Each decision as it stands"),
            SelectChoice("all", "Every entry"),
        ],
        validate_choice=False,
    )


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
