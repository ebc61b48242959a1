"""While the database does not answer, every route answers 503 with Retry-After (a page for
people, the JSON error for the API), never a 500; /healthz says so. The database here is
really unreachable: PostgreSQL on a closed port, SQLite in a folder that does not exist."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from flask import Flask

from governance import create_app
from tests.conftest import base_config

# What answers without the database at all: files, and the API's description.
NO_DATABASE = {"static", "assets.plotly_js", "dashboards.favicon", "api-docs.openapi_json"}
SAMPLES = {"slug": "acme-freight", "fmt": "csv", "figure": "burndown", "filename": "app.css"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["postgresql", "sqlite"])
def down_app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    if request.param == "postgresql":
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/governance"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'governance.db'}"
    return create_app(base_config(url))


def _get_routes(app: Flask) -> list[tuple[str, str]]:
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        values = {name: SAMPLES.get(name, 1) for name in rule.arguments}
        routes.append((rule.endpoint, adapter.build(rule.endpoint, values)))
    return routes


def _signed_in(app: Flask):
    # A session cookie from before the database went away: loading its user fails too.
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-key-from-before"
        session["_fresh"] = True
    return client


def test_every_get_route_answers_503_with_retry_after(down_app):
    client = _signed_in(down_app)
    token = {"Authorization": "Bearer gov_a-token-from-before"}
    routes = _get_routes(down_app)
    assert len(routes) > 40
    wrong = {}
    for endpoint, path in routes:
        response = client.get(path, headers=token if path.startswith("/api/") else {})
        response.close()  # files are streamed
        if endpoint in NO_DATABASE:
            if response.status_code >= 500:
                wrong[path] = response.status_code
            continue
        if response.status_code != 503 or response.headers.get("Retry-After") != "30":
            wrong[path] = response.status_code
        elif path.startswith(("/api/", "/healthz")):
            assert response.is_json, path
        else:
            assert "not answering" in response.get_data(as_text=True), path
    assert wrong == {}


def test_api_errors_keep_the_contract_and_health_says_why(down_app):
    client = down_app.test_client()
    token = {"Authorization": "Bearer gov_a-token-from-before"}
    answer = client.get("/api/v1/orgs", headers=token)
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "unavailable"
    assert "not answering" in answer.json["error"]["message"]
    posted = client.post(
        "/api/v1/orgs/acme-freight/decisions",
        json={"title": "t"},
        headers={**token, "Idempotency-Key": "k-1"},
    )
    assert posted.status_code == 503 and posted.headers["Retry-After"] == "30"
    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["Retry-After"] == "30"
    assert health.json == {"status": "unavailable", "database": "unreachable"}


def test_signing_in_and_anonymous_pages_never_answer_500(down_app):
    client = down_app.test_client()
    sign_in = client.post("/login", data={"email": "a@example.com", "password": "whatever1"})
    assert sign_in.status_code == 503 and sign_in.headers["Retry-After"] == "30"
    for _endpoint, path in _get_routes(down_app):
        with client.get(path) as response:
            assert response.status_code < 500 or response.status_code == 503, path
    signed_in = _signed_in(down_app)
    assert signed_in.post("/logout").status_code == 503
