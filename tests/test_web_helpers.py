"""The form-post skeleton every web form shares: web.helpers.save and form_status."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from governance.errors import ConflictError, DomainError, NotAllowed
from governance.extensions import db
from governance.portfolio import operations as portfolio
from governance.portfolio.models import Organization
from governance.web.helpers import form_status, save


class NameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])


def _slugs() -> set[str]:
    return set(db.session.scalars(sa.select(Organization.slug)))


def _post(app: Flask, name: str = "Acme") -> Any:
    return app.test_request_context("/", method="POST", data={"name": name})


def test_saved_commits_flashes_and_redirects(app: Flask) -> None:
    with _post(app):
        form = NameForm()
        response = save(
            form,
            lambda: portfolio.create_organization("acme", form.name.data or ""),
            success=lambda org: f"{org.name} was created.",
            redirect_to=lambda org: f"/orgs/{org.slug}",
        )
        assert response is not None
        assert response.status_code == 302
        assert response.headers["Location"] == "/orgs/acme"
        assert get_flashed_messages(with_categories=True) == [("success", "Acme was created.")]
    db.session.rollback()  # what was committed stays
    assert "acme" in _slugs()


def test_success_may_name_its_category(app: Flask) -> None:
    with _post(app):
        save(
            NameForm(),
            lambda: None,
            success=("Recorded, but it waits for an approval.", "warning"),
            redirect_to="/",
        )
        assert get_flashed_messages(with_categories=True) == [
            ("warning", "Recorded, but it waits for an approval.")
        ]


def test_a_refusal_is_shown_on_the_form_and_nothing_is_stored(app: Flask) -> None:
    def create_then_refuse() -> None:
        portfolio.create_organization("half-done", "Half done")
        raise DomainError("Not that name.", field="name")

    with _post(app):
        form = NameForm()
        response = save(form, create_then_refuse, success="Saved.", redirect_to="/")
        assert response is None
        assert form.name.errors == ["Not that name."]
        assert get_flashed_messages() == []
    assert "half-done" not in _slugs()


def test_a_refusal_without_a_field_is_a_form_error(app: Flask) -> None:
    def refuse() -> None:
        raise DomainError("Not now.")

    with _post(app):
        form = NameForm()
        assert save(form, refuse, success="Saved.", redirect_to="/") is None
        assert form.form_errors == ["Not now."]


def test_a_conflict_flashes_the_current_values(app: Flask) -> None:
    def conflict() -> None:
        raise ConflictError("Someone else changed it.", current={"name": "Other"})

    with _post(app):
        form = NameForm()
        assert save(form, conflict, success="Saved.", redirect_to="/") is None
        assert form.form_errors == ["Someone else changed it."]
        assert get_flashed_messages(with_categories=True) == [
            ("warning", "Current values: Name: Other")
        ]


@pytest.mark.parametrize(
    "error", [DomainError("No."), NotAllowed("Not you."), ConflictError("Changed.", {})]
)
def test_refused_answers_a_refusal_with_its_status(app: Flask, error: DomainError) -> None:
    def refuse() -> None:
        raise error

    with _post(app):
        answer = save(
            NameForm(),
            refuse,
            success="Saved.",
            redirect_to="/",
            refused=lambda e: ("refused", e.status),
        )
        assert answer == ("refused", error.status)


def test_an_invalid_form_does_not_run_the_operation(app: Flask) -> None:
    ran: list[bool] = []
    with _post(app, name=""):
        form = NameForm()
        assert save(form, lambda: ran.append(True), success="Saved.", redirect_to="/") is None
        assert form.name.errors
        assert form_status() == 400
    assert ran == []


def test_a_form_shown_first_is_200(app: Flask) -> None:
    ran: list[bool] = []
    with app.test_request_context("/", method="GET"):
        assert save(NameForm(), lambda: ran.append(True), success="Saved.", redirect_to="/") is None
        assert form_status() == 200
    assert ran == []
