"""Refusals the domain gives, in the users' words. Views turn them into messages or 4xx."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused the change. The message is shown to the person as it is."""

    status = 400
    code = "refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    """Someone else saved the record since this person loaded it."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, current: dict[str, Any]) -> None:
        super().__init__(message)
        self.current = current


def check_version(obj: Any, expected: int | None, fields: list[str]) -> None:
    """Refuse a save that started from an older version of `obj` (no silent overwrite)."""
    if expected is None or expected == obj.version:
        return
    current = {name: getattr(obj, name) for name in fields}
    raise ConflictError(
        "Someone else changed this record while you were editing it. "
        "Review the current values below and save again.",
        current=current,
    )


class AlreadyDecided(DomainError):
    """Someone else decided (approved, corrected, re-statused) it first: this change started
    from a state that no longer holds. The API answers 409."""

    status = 409
    code = "already_decided"


class NotAllowed(DomainError):
    """The person's role does not allow this (the API answers 403)."""

    status = 403
    code = "forbidden"
