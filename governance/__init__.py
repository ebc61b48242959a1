"""AI Governance Tracker: the application factory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from flask import Flask
from flask.cli import FlaskGroup

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. No side effects: no migrations, no seeding, no prompts."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from governance.config import load_config

    load_config(app, test_config)

    from sqlalchemy.orm import Session

    from governance import audit, database, rollups, security
    from governance.extensions import csrf, db, limiter, login_manager, migrate
    from governance.people.models import use_password_hash_method

    db.init_app(app)
    database.init_app(app)
    # Every area's tables in the metadata, whatever the blueprints happen to import.
    import governance.models  # noqa: F401

    # Every session audits what it flushes and renews the data versions it touches.
    audit.install(Session)
    rollups.install(Session)
    # ... and keeps its exit criteria's rule results true to the data it changed.
    from governance.gates import state as criterion_state

    criterion_state.install(Session)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    use_password_hash_method(app.config["PASSWORD_HASH_METHOD"])

    from governance import cli
    from governance.api import init_app as init_api
    from governance.as_of import views as as_of_views
    from governance.web import errors as errors_web
    from governance.web import inputs, register_blueprints, templating

    inputs.init_app(app)  # before the blueprints: their rules bind the bounded converters
    register_blueprints(app)
    as_of_views.init_app(app)  # after the blueprints' before-request hooks
    init_api(app)
    errors_web.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def main() -> None:
    """The `governance` console script: the Flask CLI with this app."""
    group = FlaskGroup(create_app=lambda: create_app())
    sys.exit(group.main())
