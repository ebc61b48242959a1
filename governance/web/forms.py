"""Web forms. Each carries a CSRF token (Flask-WTF); edit forms carry the record's version."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
)
from wtforms.fields.choices import SelectChoice

from governance.enums import label


def choices(enum: Any) -> list[SelectChoice]:
    return [SelectChoice(member.value, label(member.value)) for member in enum]


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class VersionedForm(FlaskForm):
    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data) if self.version.data else None
        except ValueError:
            return None


def member_choices(members: list[tuple[Any, str]], blank: str = "Nobody yet") -> list[SelectChoice]:
    return [SelectChoice(None, blank)] + [
        SelectChoice(user.id, user.name) for user, _role in members
    ]
