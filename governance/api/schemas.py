"""Shapes of what the API answers and accepts."""

from __future__ import annotations

import marshmallow as ma


class OrganizationSchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String()


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
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    after = ma.fields.Integer(load_default=None, allow_none=True)
