"""Every route in the app, every method, with numbers and dates beyond the database's range.

The sweep walks `app.url_map` (so a new route is swept without a new line here): each integer
path variable gets ids no column can hold (>= 2^31 overflows PostgreSQL's integer, >= 2^63
SQLite's), and each query parameter a GET route reads (found by watching which keys the view
asks `request.args` for) gets oversized, negative, garbage and extreme-date values. Every answer
must be below 500: a 404 for an id that cannot exist, a 400 (or the first page) for a bad
parameter, never a stack trace. As the admin and as a member, on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from governance.extensions import db
from governance.people.models import User
from governance.people.operations import create_token
from tests.conftest import build_world, module_app
from tests.scene import build_scene

# Ids no integer column holds: PostgreSQL's integer ends at 2^31 - 1, SQLite's at 2^63 - 1.
HUGE_IDS = [2**31, 2**63, 10**30]
# What a query parameter may be sent as, by a careless client or a curious person.
QUERY_VALUES = [
    str(2**31),
    str(2**63),
    "-1",
    str(-(2**63) - 1),
    "abc",
    "1e309",
    "9999-12-31",
    "0001-01-01",
    "\x00",
]

_asked: set[str] = set()


class WatchedArgs(ImmutableMultiDict):  # type: ignore[type-arg]
    """Query arguments that remember which keys the view asked for."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002
        _asked.add(key)
        return super().get(key, default, type)

    def getlist(self, key: Any, type: Any = None) -> Any:  # noqa: A002
        _asked.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key: Any) -> Any:
        _asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        _asked.add(str(key))
        return super().__contains__(key)


def path_values(ids: dict[str, int], users: dict[str, int]) -> dict[str, Any]:
    """A valid value for each path variable name the routes use."""
    return {
        "slug": "acme-freight",
        "initiative_id": ids["initiative"],
        "criterion_id": ids["criterion"],
        "phase_id": ids["phase"],
        "gate_id": ids["gate"],
        "checkpoint_id": ids["checkpoint"],
        "seq": ids["decision"],
        "artifact_id": ids["dataset"],
        "edge_id": ids["edge"],
        "risk_id": ids["risk"],
        "incident_id": ids["incident"],
        "objective_id": ids["objective"],
        "kpi_id": ids["kpi"],
        "monitor_id": ids["monitor"],
        "program_id": ids["program"],
        "user_id": users["auditor"],
        "figure": "maturity_radar",
        "fmt": "csv",
        "filename": "app.css",
    }


def int_variables(rule: Rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if "Integer" in type(conv).__name__]


def build(rule: Rule, values: dict[str, Any], **override: Any) -> str:
    found = {name: override.get(name, values[name]) for name in rule.arguments}
    if rule.endpoint in (
        "dashboards.portfolio_csv",
        "dashboards.portfolio_json",
        "api_dashboards.portfolio_figure",
    ):
        found["figure"] = "portfolio_maturity"
    if rule.endpoint in ("operations.figure_csv", "operations.figure_json"):
        found["figure"] = "incident_times"
    return url_for(rule.endpoint, _external=False, **found)


def routes(app: Flask) -> list[tuple[Rule, str]]:
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if rule.endpoint != "static"
    ]


@pytest.fixture(scope="module")
def swept(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app, the scene's ids, the users' ids and API tokens, built once for the module."""
    # A failure answers 500, as in production, instead of raising into the test.
    with module_app(
        database_template, tmp_path_factory, "sweep", PROPAGATE_EXCEPTIONS=False
    ) as app:
        app.request_class.parameter_storage_class = WatchedArgs  # type: ignore[assignment]
        world = build_world()
        ids = build_scene(world)
        users = {role: user.id for role, user in world["users"].items()}
        tokens = {
            role: {"Authorization": f"Bearer {create_token(user, world['org'])[1]}"}
            for role, user in world["users"].items()
            if role in ("admin", "leader")
        }
        db.session.commit()
        yield app, ids, users, tokens


def sweep(app: Flask, ids: dict[str, int], user: User, token: dict[str, str]) -> list[str]:
    """Every 5xx the sweep finds, as 'METHOD path -> status'."""
    values = path_values(ids, {"auditor": ids["auditor"]})
    failures: list[str] = []

    def hit(method: str, path: str, query: dict[str, str] | None = None) -> int:
        api = path.startswith("/api/")
        client = app.test_client() if api else app.test_client(user=user)
        response = client.open(
            path, method=method, query_string=query, headers=token if api else {}
        )
        status = response.status_code
        response.close()  # a file sent (the favicon, plotly.js) holds its file open until then
        if status >= 500:
            failures.append(f"{method} {path} {query or ''} -> {status}")
        return status

    for rule, method in routes(app):
        for name in rule.arguments:
            wrong = HUGE_IDS if name in int_variables(rule) else ["a\x00b"]
            for value in wrong:
                hit(method, build(rule, values, **{name: value}))
        if method != "GET":
            continue  # a POST with valid ids would change the scene the other cases read
        _asked.clear()
        path = build(rule, values)
        hit(method, path)
        for key in sorted(_asked):
            for value in QUERY_VALUES:
                hit(method, path, {key: value})
    return failures


@pytest.mark.parametrize("role", ["admin", "leader"])
def test_no_route_answers_5xx_to_numbers_out_of_range(swept, role):
    app, ids, users, tokens = swept
    user = db.session.get(User, users[role])
    failures = sweep(app, ids, user, tokens[role])
    assert not failures, f"{len(failures)} answers >= 500:\n" + "\n".join(failures)
