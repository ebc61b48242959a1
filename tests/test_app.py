"""The app factory, health check, error pages, security headers and configuration."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from governance import create_app
from governance.config import _instance_secret
from tests.conftest import base_config


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(base_config("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_create_app_has_no_side_effects(tmp_path):
    db_file = tmp_path / "untouched.db"
    create_app(base_config(f"sqlite:///{db_file}"))
    assert not db_file.exists(), "creating the app must not create or migrate the database"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = _instance_secret(tmp_path)
    second = _instance_secret(tmp_path)
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/env.db")


def test_unknown_page_is_a_friendly_404_without_internals(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data
    assert b"Traceback" not in response.data


def test_api_errors_are_json_in_the_contract_shape(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"]


def test_unexpected_errors_show_a_plain_500_page(make_app):
    app: Flask = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom")
    def api_boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    client = app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert b"secret internals" not in page.data and b"Traceback" not in page.data
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "internal_error"
    assert "secret" not in api.get_data(as_text=True)


def test_security_headers_and_a_strict_script_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_another_site(world, as_user):
    client = as_user(world["users"]["leader"])
    for path in [
        "/",
        "/orgs/acme-freight",
        f"/orgs/acme-freight/initiatives/{world['initiative'].id}",
    ]:
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        assert "<script>" not in html  # no inline script


def test_request_size_is_limited(client):
    response = client.post("/login", data={"email": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize("hops", [1])
def test_behind_a_proxy_cookies_are_secure(make_app, hops):
    app = make_app(PROXY_FIX_HOPS=hops)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
