"""What a request may carry before any view sees it: ids in paths, query parameters and JSON
bodies, checked against what the database can hold (`governance.database`'s limits).

- Every `<int:...>` path variable is bounded: an id no column can hold matches no route (404).
- Every string path variable refuses NUL (404): no slug or figure name contains one.
- Query parameters with NUL, and API JSON bodies with NUL anywhere, are refused (400, naming
  the parameter or the JSON path): the last line of defence behind the forms' and schemas'
  own checks, for the parameters and free-form JSON (a decision's `details`) they do not type.
- `query_int` reads an integer query parameter (a page cursor, a filter) within range.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from governance.database import INTEGER_MAX, NUL, in_integer_range, nul_path


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` with the database's bound: past it, no route matches (404, not a 500)."""

    def __init__(
        self,
        map: Map,  # noqa: A002 (werkzeug's name)
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = None,  # noqa: A002
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, INTEGER_MAX if max is None else max, signed)


class TextConverter(UnicodeConverter):
    """A string path variable without NUL (PostgreSQL cannot even compare text holding one)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def query_int(name: str) -> int | None:
    """An integer query parameter, or None when absent, not a whole number or out of range
    (a cursor or filter naming nothing that can exist)."""
    value = request.args.get(name, type=int)
    return value if value is not None and in_integer_range(value) else None


def _refuse_nul() -> None:
    for name, value in request.args.items(multi=True):
        if NUL in name or NUL in value:
            abort(400, description=f"The query parameter {name!r} contains a NUL character.")
    if request.path.startswith("/api/") and request.is_json and not request.content_encoding:
        try:
            body = request.get_json(silent=True)
            found = nul_path(body)
        except RecursionError:  # "[[[[...": a 400, not a 500
            abort(400, description="The body is nested too deeply to be read.")
        if found is not None:
            abort(400, description=f"{found or 'The body'}: text cannot contain a NUL character.")


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: converters bind when a rule is added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.before_request(_refuse_nul)
