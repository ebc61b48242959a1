"""Liveness for load balancers: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from governance.extensions import db, limiter
from governance.web.errors import RETRY_AFTER

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        body = {"status": "unavailable", "database": "unreachable"}
        return jsonify(body), 503, {"Retry-After": RETRY_AFTER}
    return jsonify({"status": "ok"})
