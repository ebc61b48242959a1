"""Error pages for people and JSON errors for API clients; never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from governance.extensions import db, login_manager

# Seconds a client should wait before trying again while the database does not answer.
RETRY_AFTER = "30"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(
    status: int, message: str, code: str | None = None, details: object | None = None
) -> Response:
    body: dict[str, object] = {"code": code or CODES.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    if wants_json():
        data = getattr(error, "data", None) or {}
        details = None
        if data.get("messages"):
            # webargs validation: say which field is wrong, per location.
            details = data["messages"]
            message = "The request is not valid: " + _summarize(data["messages"])
        else:
            message = data.get("message") or error.description or "Request failed."
        response = json_error(status, message, details=details)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response
    return render_template("error.html", status=status, error=error), status


def _summarize(messages: object) -> str:
    parts: list[str] = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            parts.append(f"{path}: {' '.join(node)}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        else:
            parts.append(f"{path}: {node}")

    walk(messages, "")
    # webargs nests by location ("query", "json"); people care about the field.
    return "; ".join(p.split(".", 1)[1] if p.split(".", 1)[0] in LOCATIONS else p for p in parts)


LOCATIONS = {"query", "json", "form", "headers", "files", "view_args"}


def _stale(error: StaleDataError) -> Response | tuple[str, int]:
    db.session.rollback()
    message = "Someone else changed this record at the same moment. Reload it and try again."
    if wants_json():
        return json_error(409, message)
    return render_template("error.html", status=409, message=message), 409


def _unavailable(error: Exception) -> Response:
    """The database does not answer (down, unreachable, cannot be opened, pool exhausted):
    503 with Retry-After, a page for people and the JSON error for the API, never a 500."""
    # Handled errors are not logged by Flask: operators must still see why.
    current_app.logger.error("The database did not answer: %s", error)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()
    # Who is signed in could not be read either: the page is drawn for nobody, so drawing it
    # asks nothing more of the database.
    g._login_user = login_manager.anonymous_user()
    message = "The database is not answering right now. Please try again in a minute."
    if wants_json():
        response = json_error(503, message)
    else:
        response = make_response(render_template("error.html", status=503, message=message), 503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def _unexpected(error: Exception) -> Response | tuple[str, int]:
    db.session.rollback()
    if isinstance(error, HTTPException):
        return _http_error(error)
    # Logged with its traceback by Flask; the person sees a plain page.
    if wants_json():
        return json_error(500, "Something went wrong on our side. It has been logged.")
    return render_template("error.html", status=500, error=InternalServerError()), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StaleDataError, _stale)
    for unreachable in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.register_error_handler(unreachable, _unavailable)
    app.register_error_handler(InternalServerError, _unexpected)
