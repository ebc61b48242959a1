"""The fuzz pass: every web form and every API body, with what a careless or hostile client
sends: numbers past the database's range, NUL, text-direction controls, spreadsheet formulas,
impossible dates and another organization's ids.

Web forms are found by walking `app.url_map` for POST routes and reading each form's fields
from its own page (so a new form or field is fuzzed without a line here); the few POST-only
routes get their fields from a small table. API bodies are the flask-smorest schemas of the
POST endpoints, read from the views, plus OpenLineage events.

Every answer is below 500. A refused input (4xx) stores nothing: the row count of every table
(audit events included) is the same after it. NUL is always refused; so are text-direction
controls in one-line fields (names, titles) and out-of-range numbers. Formula cells may be
stored: the CSV exports neutralise them (tests/test_bad_input.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import marshmallow as ma
import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from governance.enums import ArtifactKind, Direction, ValueDriver
from governance.extensions import db
from governance.gates.queries import stage_gates_of
from governance.lineage import operations as lineage_ops
from governance.maturity import operations as maturity_ops
from governance.people.models import User
from governance.people.operations import create_token
from tests.conftest import build_world, module_app
from tests.scene import build_scene
from tests.test_route_sweep import path_values

NUL = "fine\x00text"
BIDI = "evil\u202egnp.exe"
FORMULA = '=HYPERLINK("https://example.com","x")'
HUGE = [str(2**31), str(2**63), str(-(2**63) - 1), "1e309"]
DATES = ["9999-12-31", "0001-01-01", "2026-02-30"]
# Routes whose answer is about a session, not a record: a refused sign-in may count the try.
NOT_COUNTED = {"auth.login", "auth.logout"}
# POST-only routes: their forms live on other pages.
POST_ONLY_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "checkpoints.decide": {
        "outcome": ("radio", "rejected"),
        "comment": ("textarea", "Not yet."),
        "back": ("hidden", ""),
    },
    "checkpoints.review_again": {"comment": ("textarea", "Still holds.")},
    "decisions.approve": {"note": ("textarea", "Agreed.")},
    "decisions.change_status": {"status": ("select", "deprecated"), "note": ("textarea", "Old.")},
    "checkpoints.set_up_gates": {},
    # A flag read as "1" or not: anything else is "not 1", nothing is stored from it.
    "admin.set_active": {"active": ("flag", "0")},
    "organizations.remove_member": {},
    # Its form is on the organization's edit page, beside the organization's own.
    "organizations.review_rules": {
        "two_approvers_for_high_risk": ("checkbox", "y"),
        "version": ("hidden", "1"),
    },
    "lineage.remove_edge": {},
    # An incident's actions: small forms on the incident's page, each posting to its own URL
    # with its fields prefixed by the step (two forms on one page may both have a note).
    "incidents.acknowledge": {},
    "incidents.mitigate": {"mitigate-note": ("textarea", "Flag turned off.")},
    "incidents.note": {"note-note": ("textarea", "Looking at the feature job.")},
    "incidents.severity": {
        "severity-severity": ("select", "sev2"),
        "severity-version": ("hidden", "1"),
    },
    "incidents.rollback": {"rollback-minutes": ("number", "10"), "rollback-note": ("textarea", "")},
    "incidents.resolve": {"resolve-note": ("textarea", "Fixed.")},
    "incidents.review": {
        "review-title": ("text", "Alert on feature freshness"),
        "review-context": ("textarea", "The job stalled."),
        "review-decision": ("textarea", "Add a freshness monitor."),
        "review-rationale": ("textarea", ""),
    },
    "incidents.serious": {
        "serious-kind": ("select", "standard"),
        "serious-aware_at": ("datetime-local", ""),
    },
    "incidents.report": {
        "report-authority": ("text", "BaFin"),
        "report-reference": ("text", "R-1"),
        "report-reported_at": ("datetime-local", ""),
    },
    "auth.logout": {},
    # Posted signed out (a signed-in person is sent on).
    "auth.login": {"email": ("email", "nobody@example.com"), "password": ("password", "x")},
}


class FormFields(HTMLParser):
    """The fields of the page's forms that post to `action`: name -> (kind, value)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("method", "get").lower() == "post" and (
                a.get("action", "") in ("", self.action) or a.get("action", "").startswith("?")
            )
        if not self.inside or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields[a["name"]] = (a.get("type", "text"), a.get("value", ""))
        elif tag == "input" and a.get("type") == "radio" and a["name"] not in self.fields:
            self.fields[a["name"]] = ("radio", a.get("value", ""))
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.fields[a["name"]] = ("checkbox", a.get("value", "y"))
        elif tag == "select":
            self.select = a["name"]
            self.fields[a["name"]] = ("select", "")
        elif tag == "option" and self.select:
            kind, value = self.fields[self.select]
            if not value or "selected" in a:
                self.fields[self.select] = (kind, a.get("value", ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[a["name"]] = ("textarea", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            kind, value = self.fields[self.textarea]
            self.fields[self.textarea] = (kind, value + data)


# Bookkeeping of the request itself, not what it asked to store: signing the test client in
# starts a server-side session, and a refused sign-in or a keyed API call is counted.
REQUEST_BOOKKEEPING = {"user_session", "sign_in_failure", "idempotency_key"}


def row_counts() -> dict[str, int]:
    """Every table's row count (but the request's bookkeeping), in one query."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in REQUEST_BOOKKEEPING]
    query = sa.union_all(
        *(
            sa.select(sa.literal(t.name).label("tbl"), sa.func.count().label("n")).select_from(t)
            for t in tables
        )
    )
    return {row.tbl: row.n for row in db.session.execute(query)}


def foreign_records(world: dict[str, Any]) -> dict[str, int]:
    """One of each record a body may name, in the *other* organization: label -> id."""
    other, outsider = world["other"], world["users"]["outsider"]
    initiative = world["other_initiative"]
    model = lineage_ops.register_artifact(
        other, outsider, ArtifactKind.MODEL, lineage_ops.ArtifactInput("globex", "triage")
    )
    version = lineage_ops.register_artifact(
        other,
        outsider,
        ArtifactKind.MODEL_VERSION,
        lineage_ops.ArtifactInput("globex", "triage@1", "1", parent_id=model.id),
    )
    objective = maturity_ops.create_objective(initiative, outsider, "Faster", ValueDriver.COST)
    kpi = maturity_ops.create_kpi(
        objective, outsider, "Time", unit="min", direction=Direction.DECREASE
    )
    db.session.flush()
    return {
        "program": initiative.program_id,
        "initiative": initiative.id,
        "user": outsider.id,
        "model": model.id,
        "version": version.id,
        "objective": objective.id,
        "kpi": kpi.id,
        "phase": initiative.phases[0].id,
        "gate": stage_gates_of(initiative)[0].id,
    }


@pytest.fixture(scope="module")
def fuzzed(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with module_app(database_template, tmp_path_factory, "fuzz", PROPAGATE_EXCEPTIONS=False) as app:
        world = build_world()
        ids = build_scene(world)
        foreign = foreign_records(world)
        admin = world["users"]["admin"]
        token = {"Authorization": f"Bearer {create_token(admin, world['org'])[1]}"}
        db.session.commit()
        yield app, ids, admin.id, token, foreign


def payloads(kind: str, name: str, foreign: list[str]) -> list[tuple[str, str]]:
    """(what, value) pairs for one field: `what` says what the answer must be."""
    if kind == "flag":
        return [("any", NUL)]
    out = [("nul", NUL)]
    if kind in ("text", "email", "url", "search"):
        out += [("bidi", BIDI), ("formula", FORMULA)]
    if kind == "textarea":
        out += [("formula", FORMULA), ("any", BIDI)]
    # An id or a choice past the range must be refused; a decimal or a version may be read as
    # a (big) number or as "no version given": either way, no 500 and no stored garbage.
    strict = kind in ("select", "radio") or name.endswith("_id")
    if strict or kind in ("number", "hidden"):
        out += [("huge" if strict else "any", value) for value in HUGE]
    if kind == "date":
        out += [("any", value) for value in DATES]
    if kind == "select" or name.endswith("_id"):
        out += [("any", value) for value in foreign]
    return out


def check(failures: list[str], label: str, status: int, what: str, before: dict, after: dict):
    if status >= 500:
        failures.append(f"{label} -> {status}")
    elif status >= 400 and before != after:
        changed = {t for t in after if after[t] != before.get(t)}
        failures.append(f"{label} -> {status} but stored rows in {sorted(changed)}")
    elif what in ("nul", "bidi", "huge") and status < 400:
        failures.append(f"{label} -> {status}: accepted")


def test_every_form_refuses_bad_input_without_a_500_or_a_stored_row(fuzzed):
    app, ids, admin_id, _token, foreign_ids = fuzzed
    foreign = sorted({str(v) for v in foreign_ids.values()})
    values = path_values(ids, {"auditor": ids["auditor"]})
    failures: list[str] = []
    counts: dict[str, int] | None = None
    missed: list[str] = []
    rules = sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if "POST" in (r.methods or ()) and not r.rule.startswith("/api/")
        ),
        key=lambda r: r.rule,
    )
    for rule in rules:
        user = db.session.get(User, admin_id)
        client = app.test_client(user=user)
        # A rollback plan belongs to a deployment, not to any artifact.
        here = {**values, "artifact_id": ids["deployment"]} if "rollback" in rule.rule else values
        path = url_for(rule.endpoint, _external=False, **{n: here[n] for n in rule.arguments})
        if rule.endpoint in POST_ONLY_FIELDS:
            base = dict(POST_ONLY_FIELDS[rule.endpoint])
        else:
            page = client.get(path)
            parser = FormFields(path)
            parser.feed(page.get_data(as_text=True))
            base = parser.fields
            if not base:  # the page has no form posting here: the walk would miss its fields
                missed.append(f"{rule.endpoint} ({page.status_code})")
        for field, (kind, _value) in base.items():
            if field == "csrf_token":
                continue
            for what, value in payloads(kind, field, foreign):
                data = {k: v for k, (_kind, v) in base.items()}
                data[field] = value
                before = counts if counts is not None else row_counts()
                signed_in = None if rule.endpoint == "auth.login" else admin_id
                who = db.session.get(User, signed_in) if signed_in else None
                response = app.test_client(user=who).post(path, data=data)
                status = response.status_code
                # After a refusal the counts are re-read (and carried to the next case).
                counts = after = row_counts() if status >= 400 else None
                if rule.endpoint in NOT_COUNTED or after is None:
                    after = before
                check(
                    failures,
                    f"{rule.endpoint} {field}={what}:{value[:12]!r}",
                    status,
                    what,
                    before,
                    after,
                )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    assert not missed, "forms not found on their pages: " + ", ".join(missed)


# ---- the API ------------------------------------------------------------------------------


API_BASES: dict[str, dict[str, Any]] = {
    "api_decisions.create_decision": {"title": "Use it", "context": "C.", "decision": "D."},
    "api_checkpoints.request_checkpoint": {
        "initiative_id": "{initiative}",
        "phase_id": "{phase}",
        "note": "Ready.",
    },
    "api_checkpoints.decide_checkpoint": {"outcome": "rejected", "comment": "No."},
    "api_decisions.approve": {"version": "{decision}", "note": "Agreed."},
    "api_decisions.correct": {"version": "{decision}", "note": "Typo.", "title": "Use it"},
    "api_incidents.open_incident": {"title": "Scores drifting", "severity": "sev3"},
    "api_incidents.acknowledge_incident": {},
    "api_incidents.mitigate_incident": {},
    "api_incidents.resolve_incident": {},
    "api_monitoring.create_monitor": {
        "deployment_id": "{deployment}",
        "key": "fuzz-psi",
        "name": "Fuzz",
        "signal": "drift",
        "metric": "psi",
        "comparator": "at_most",
        "threshold": 0.2,
    },
}


def schema_of(app: Flask, endpoint: str) -> ma.Schema | None:
    doc = getattr(app.view_functions[endpoint], "_apidoc", {})
    for parameter in doc.get("arguments", {}).get("parameters", []):
        if parameter.get("location", "json") == "json":
            schema = parameter["schema"]
            return schema() if isinstance(schema, type) else schema
    return None


def field_payloads(field: ma.fields.Field, foreign: list[str]) -> list[tuple[str, Any]]:
    if isinstance(field, ma.fields.Integer):
        return [("huge", 2**31), ("huge", 2**63), ("huge", -(2**63) - 1), ("huge", 1e309)] + [
            ("any", int(value)) for value in foreign
        ]
    if isinstance(field, ma.fields.String):
        return [("nul", NUL), ("any", BIDI), ("formula", FORMULA)]
    if isinstance(field, ma.fields.List):
        return [("nul", [NUL]), ("any", [FORMULA])]
    if isinstance(field, ma.fields.Dict):
        return [("nul", {"k": NUL}), ("nul", {NUL: 1}), ("any", {"n": 2**70})]
    return [("nul", NUL)]


def test_every_api_body_refuses_bad_input_without_a_500_or_a_stored_row(fuzzed):
    app, ids, _admin_id, token, foreign_ids = fuzzed
    foreign = sorted({str(v) for v in foreign_ids.values()})
    values = path_values(ids, {"auditor": ids["auditor"]})
    failures: list[str] = []
    posts = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/")
        and "POST" in (r.methods or ())
        and not r.endpoint.startswith("api_lineage")
        # Alertmanager's payload has its own parser, refused field by field in
        # tests/incidents/test_alertmanager_refusals.py.
        and r.endpoint != "api_incidents.alertmanager_webhook"
        # Read item by item (tests/monitoring/test_observations_api.py fuzzes it).
        and r.endpoint != "api_monitoring.receive_observations"
    ]
    assert {r.endpoint for r in posts} == set(API_BASES), "a new API body: add its base here"
    for rule in posts:
        path = url_for(rule.endpoint, _external=False, **{n: values[n] for n in rule.arguments})
        base = {
            k: (ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v)
            for k, v in API_BASES[rule.endpoint].items()
        }
        schema = schema_of(app, rule.endpoint)
        assert schema is not None
        for name, field in schema.fields.items():
            for what, value in field_payloads(field, foreign):
                body = {**base, name: value}
                before = row_counts()
                response = app.test_client().post(
                    path,
                    data=json.dumps(body),
                    headers={**token, "Content-Type": "application/json"},
                )
                status = response.status_code
                after = row_counts() if status >= 400 else before
                title_bidi = name == "title" and value == BIDI
                check(
                    failures,
                    f"{rule.endpoint} {name}={what}:{str(value)[:12]!r}",
                    status,
                    "bidi" if title_bidi else what,
                    before,
                    after,
                )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


EVENT = {
    "eventType": "START",
    "eventTime": "2026-11-20T02:00:00Z",
    "producer": "https://example.com/pipelines",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "0196b3c8-0000-7000-8000-000000000001", "facets": {}},
    "job": {"namespace": "airflow", "name": "etl.orders"},
    "inputs": [{"namespace": "pg://db:5432", "name": "public.orders"}],
    "outputs": [],
}


def _event(path: str, value: Any) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    *parents, last = path.split(".")
    node: Any = event
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value
    return event


@pytest.mark.parametrize(
    ("path", "value", "what"),
    [
        ("job.name", NUL, "nul"),
        ("job.namespace", BIDI, "bidi"),
        ("inputs.0.name", BIDI, "bidi"),
        ("producer", NUL, "nul"),
        ("run.facets", {"x": {"_producer": NUL}}, "nul"),
        ("run.facets", {NUL: {}}, "nul"),
        ("run.facets", {"x": {"n": 2**70, "f": 1e308}}, "any"),
        ("eventTime", "9999-12-31T23:59:59-05:00", "huge"),
        ("eventTime", "0001-01-01T00:00:00+05:00", "huge"),
        ("job.name", FORMULA, "formula"),
    ],
)
def test_openlineage_events_refuse_nul_and_bidi_names_without_a_500(fuzzed, path, value, what):
    app, _ids, _admin_id, token, _foreign = fuzzed
    failures: list[str] = []
    for endpoint, body in (("event", _event(path, value)), ("batch", [_event(path, value)])):
        before = row_counts()
        response = app.test_client().post(
            "/api/v1/lineage" + ("/batch" if endpoint == "batch" else ""),
            data=json.dumps(body),
            headers={**token, "Content-Type": "application/json"},
        )
        after = row_counts() if response.status_code >= 400 else before
        check(failures, f"{endpoint} {path}", response.status_code, what, before, after)
    assert not failures, "\n".join(failures)
