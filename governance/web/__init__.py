"""Blueprints of the server-rendered web, one per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from governance.web import auth, health, initiatives, organizations, portfolio

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portfolio.bp)
    app.register_blueprint(organizations.bp)
    app.register_blueprint(initiatives.bp)
    from governance.web import decisions

    app.register_blueprint(decisions.bp)

    from governance.web import checkpoints

    app.register_blueprint(checkpoints.bp)
