"""The JSON API under /api/v1, described by an OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

import marshmallow as ma
from flask import Flask
from flask_smorest import Api

from governance.extensions import csrf


class ErrorBody(ma.Schema):
    code = ma.fields.String(metadata={"description": "A stable machine-readable code"})
    message = ma.fields.String(metadata={"description": "What went wrong, for people"})
    details = ma.fields.Dict(metadata={"description": "Per-field messages, when any"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBody)


class GovernanceApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # errors_web answers every error, API or not, in the contract's shape.
        return None


api = GovernanceApi()


def init_app(app: Flask) -> None:
    from governance.dashboards import api as dashboards
    from governance.decisions import api as decisions_api
    from governance.gates import api as checkpoints
    from governance.incidents import api as incidents_api
    from governance.incidents import figures_api as operations_api
    from governance.lineage import api as lineage
    from governance.monitoring import api as monitoring_api
    from governance.portfolio import api as orgs

    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": "Programs, initiatives, phases, checkpoints, decisions, lineage, "
                "monitors and incidents. "
                "Authenticate with `Authorization: Bearer TOKEN` (see `flask create-token`). "
                "Every POST accepts an `Idempotency-Key` header: a retry with the same key and "
                "request gets the first answer (`Idempotent-Replayed: true`) and records "
                "nothing twice; keys are kept 24 hours."
            },
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for blueprint in (
        orgs.blp,
        decisions_api.blp,
        checkpoints.blp,
        lineage.blp,
        dashboards.blp,
        monitoring_api.blp,
        incidents_api.blp,
        operations_api.blp,
    ):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
