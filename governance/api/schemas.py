"""Shapes of what the API answers and accepts, and the fields every accepting schema uses:
`Id`/`WholeNumber` (within the database's integer range), `Text` (no NUL), `Name` (no NUL, no
text-direction controls), `Day` (within the tracker's dates). The rules are
`governance.database`'s, the same the web forms apply."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma

from governance.database import date_problem, in_integer_range, text_problem


class WholeNumber(ma.fields.Integer):
    """An integer the database can hold; past it, a 4xx naming the field (never a 500)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            number = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError as error:  # JSON's 1e999 is infinity: no whole number
            raise ma.ValidationError("Not a valid integer.") from error
        if number is not None and not in_integer_range(number):
            raise ma.ValidationError("Out of range: no such number can be stored.")
        return number


class Id(WholeNumber):
    """The id of a record: a whole number that can exist (a foreign one answers 404 later)."""


class Text(ma.fields.String):
    name_rules = False

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, name=self.name_rules)
        if problem:
            raise ma.ValidationError(problem)
        return text


class Name(Text):
    """A one-line name or title: text-direction controls would show it as it is not stored."""

    name_rules = True


class Day(ma.fields.Date):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        problem = date_problem(day)
        if problem:
            raise ma.ValidationError(problem)
        return day


class OrganizationSchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String()
    mttr_minutes_90_days = ma.fields.Float(
        allow_none=True,
        metadata={
            "description": "Mean minutes from detection to resolution of the incidents "
            "detected in the last 90 days and resolved (null: none); the portfolio's MTTR"
        },
    )
    open_incidents = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        metadata={"description": "Incidents not resolved, by severity (sev1..sev4)"},
    )


class OrganizationList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OrganizationSchema))


class InitiativeSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    program = ma.fields.String()
    stage = ma.fields.String()
    risk_tier = ma.fields.String()
    owner = ma.fields.String(allow_none=True)
    current_phase = ma.fields.String(
        allow_none=True, metadata={"description": "null once all seven phases are complete"}
    )
    url = ma.fields.String()


class InitiativeList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InitiativeSchema))
    next_after = ma.fields.Integer(
        allow_none=True, metadata={"description": "Pass as `after` to get the next page"}
    )


class PageArgs(ma.Schema):
    limit = WholeNumber(load_default=50, validate=ma.validate.Range(min=1, max=200))
    after = Id(load_default=None, allow_none=True)
