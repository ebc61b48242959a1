"""Blueprints of the server-rendered web, one per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from governance.web import (
        admin,
        assets,
        auth,
        checkpoints,
        dashboards,
        decisions,
        health,
        initiatives,
        lineage,
        maturity,
        organizations,
        portfolio,
        risks,
    )

    for area in (
        health,
        assets,
        auth,
        portfolio,
        organizations,
        initiatives,
        admin,
        decisions,
        checkpoints,
        lineage,
        dashboards,
        maturity,
        risks,
    ):
        app.register_blueprint(area.bp)
