"""Web forms. Each carries a CSRF token (Flask-WTF); edit forms carry the record's version."""

from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Length,
    Optional,
)

from governance.enums import CheckpointStatus
from governance.web.forms import Form, VersionedForm, _optional_int


class CriterionActionForm(VersionedForm):
    """An action on an exit criterion: `next` is where it returns (`web.links.back_to` reads
    it); a field, so it is checked like any other input."""

    next = HiddenField()


class EvidenceForm(CriterionActionForm):
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


class CriterionPlanForm(CriterionActionForm):
    owner_id = SelectField("Owner", coerce=_optional_int)
    due_on = DateField("Due", validators=[Optional()])


OUTCOME_CHOICES = [
    SelectChoice(CheckpointStatus.APPROVED.value, "Approve"),
    SelectChoice(CheckpointStatus.CHANGES_REQUESTED.value, "Request changes"),
    SelectChoice(CheckpointStatus.REJECTED.value, "Reject"),
]


class CheckpointRequestForm(Form):
    note = TextAreaField(
        "Note for the reviewer",
        description="What is ready, where to look, anything the reviewer should know.",
        validators=[DataRequired(message="Add a note for the reviewer."), Length(max=4000)],
    )


class CheckpointDecisionForm(Form):
    outcome = RadioField("Decision", choices=OUTCOME_CHOICES, validators=[DataRequired()])
    comment = TextAreaField(
        "Comment",
        description="Required when you reject or request changes: say what has to change.",
        validators=[Length(max=4000)],
    )
    back = HiddenField()  # "reviews" returns to the queue after deciding

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (
            self.outcome.data != CheckpointStatus.APPROVED.value
            and not (self.comment.data or "").strip()
        ):
            self.comment.errors = ["Say why, so the team knows what to change."]
            return False
        return True


class WaiverForm(CriterionActionForm):
    reason = TextAreaField(
        "Why the criterion can be waived",
        validators=[DataRequired(message="Say why the criterion can be waived."), Length(max=4000)],
    )
    risk = TextAreaField(
        "Risk the organization accepts",
        validators=[
            DataRequired(message="Say which risk the organization accepts."),
            Length(max=4000),
        ],
    )


class ReviewAgainForm(Form):
    comment = TextAreaField(
        "Why the approval still holds",
        validators=[
            DataRequired(message="Say why the approval still holds with these changes."),
            Length(max=4000),
        ],
    )


class PhaseOwnerForm(VersionedForm):
    # Any id is accepted here: the operation refuses one that is not a member, with its reason.
    owner_id = SelectField("Owner", coerce=_optional_int, validate_choice=False)
