"""The permission matrix: every web page and API endpoint that has a permission rule, for every
kind of person in ROLES, with the status each must get. A new endpoint is one row; each
(endpoint, role) pair is a test of its own.

The statuses are written out by hand from PRODUCT.md's role table (never computed from
governance/permissions.py, or the test could not fail). Reading them: 404 is "another
organization: absent", 403 "your role does not allow this", 302 for the anonymous column is
"sign in first"; the API answers 401 without a token. A 400 in an allowed column means the
rule let the person through and a domain rule then refused the (deliberately incomplete) request.

Writes run each on a database of their own. Reads change nothing, so they share one database
built once for the module: a fresh one for each of ~400 pairs would take minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from governance.extensions import db
from governance.people.models import User
from governance.people.operations import create_token
from tests.conftest import ROLES, build_world, module_app
from tests.scene import build_scene


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # formatted with the scene's ids
    statuses: str  # one status per role, in the order of ROLES
    data: dict[str, Any] | None = None

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


ORG = "/orgs/acme-freight"
INI = ORG + "/initiatives/{initiative}"
API = "/api/v1/orgs/acme-freight"

# fmt: off
MATRIX = [
    # name, method, path; then the status of:                     admin ldr pmo ctr aud out anon
    Row("portfolio", "GET", "/",                                  "200 200 200 200 200 200 302"),
    Row("review queue", "GET", "/reviews",                        "200 200 200 200 200 200 302"),
    Row("new organization", "GET", "/orgs/new",                   "200 403 403 403 403 403 302"),
    Row("users", "GET", "/admin/users",                           "200 403 403 403 403 403 302"),
    Row("deactivate a user", "POST", "/admin/users/{auditor}/active",
                                                                  "302 403 403 403 403 403 302"),
    Row("organization", "GET", ORG,                                 "200 200 200 200 200 404 302"),
    Row("edit organization", "GET", ORG + "/edit",                  "200 200 403 403 403 404 302"),
    Row("set the review rules", "POST", ORG + "/review-rules",      "302 302 403 403 403 404 302"),
    Row("members", "GET", ORG + "/members",                         "200 403 403 403 403 404 302"),
    Row("remove a member", "POST", ORG + "/members/{auditor}/remove",
                                                                  "302 403 403 403 403 404 302"),
    Row("new program", "GET", ORG + "/programs/new",                "200 200 200 403 403 404 302"),
    Row("edit program", "GET", ORG + "/programs/{program}/edit",    "200 200 200 403 403 404 302"),
    Row("new initiative", "GET", ORG + "/initiatives/new",          "200 200 200 403 403 404 302"),
    Row("initiative", "GET", INI,                                   "200 200 200 200 200 404 302"),
    Row("edit initiative", "GET", INI + "/edit",                    "200 200 200 403 403 404 302"),
    Row("evidence", "GET", INI + "/criteria/{criterion}/evidence",  "200 200 200 200 403 404 302"),
    Row("owner and due date", "GET", INI + "/criteria/{criterion}/plan",
                                                                  "200 200 200 200 403 404 302"),
    Row("waive", "GET", INI + "/criteria/{criterion}/waive",        "200 200 200 403 403 404 302"),
    Row("phase owner", "GET", INI + "/phases/{phase}/owner",        "200 200 200 403 403 404 302"),
    Row("name a phase owner", "POST", INI + "/phases/{phase}/owner",
                                                                  "302 302 302 403 403 404 302",
        {"owner_id": "{auditor}"}),
    Row("set up stage gates", "POST", INI + "/stage-gates",         "302 302 302 403 403 404 302"),
    Row("request a phase checkpoint", "GET", INI + "/phases/{phase}/checkpoint",
                                                                  "200 200 200 200 403 404 302"),
    Row("request a stage gate", "GET", INI + "/stage-gates/{gate}/checkpoint",
                                                                  "200 200 200 200 403 404 302"),
    Row("checkpoint", "GET", ORG + "/checkpoints/{checkpoint}",     "200 200 200 200 200 404 302"),
    Row("decide a checkpoint", "POST", ORG + "/checkpoints/{checkpoint}/decide",
                                                                  "302 302 302 403 403 404 302",
        {"outcome": "rejected", "comment": "Not yet."}),
    Row("review an approval again", "POST", ORG + "/checkpoints/{checkpoint}/review-again",
                                                                  "400 400 400 403 403 404 302",
        {"comment": "Still holds."}),
    Row("decision log", "GET", ORG + "/decisions",                  "200 200 200 200 200 404 302"),
    Row("record a decision", "GET", ORG + "/decisions/new",         "200 200 200 200 403 404 302"),
    Row("decision", "GET", ORG + "/decisions/{decision}",           "200 200 200 200 200 404 302"),
    Row("approve a decision", "POST", ORG + "/decisions/{decision}/approve",
                                                                  "302 302 302 403 403 404 302"),
    Row("change a decision's status", "POST", ORG + "/decisions/{decision}/status",
                                                                  "400 400 400 400 403 404 302"),
    Row("correct a decision", "GET", ORG + "/decisions/{decision}/correct",
                                                                  "200 200 200 200 403 404 302"),
    Row("export the log", "GET", ORG + "/decisions/export.jsonl",   "200 200 200 403 200 404 302"),
    Row("verify the log", "GET", ORG + "/decisions/verify",         "200 200 200 403 200 404 302"),
    Row("download verify.py", "GET", ORG + "/decisions/verify.py",  "200 200 200 403 200 404 302"),
    Row("lineage", "GET", ORG + "/lineage",                         "200 200 200 200 200 404 302"),
    Row("artifact", "GET", ORG + "/lineage/{dataset}",              "200 200 200 200 200 404 302"),
    Row("impact", "GET", ORG + "/lineage/{dataset}/impact",         "200 200 200 200 200 404 302"),
    Row("register an artifact", "GET", ORG + "/lineage/new",        "200 200 200 200 403 404 302"),
    Row("edit an artifact", "GET", ORG + "/lineage/{dataset}/edit", "200 200 200 200 403 404 302"),
    Row("rollback plan", "GET", ORG + "/lineage/{deployment}/rollback",
                                                                  "200 200 200 200 403 404 302"),
    Row("add an edge", "GET", ORG + "/lineage/edges/new",           "200 200 200 200 403 404 302"),
    Row("remove an edge", "POST", ORG + "/lineage/edges/{edge}/remove",
                                                                  "302 302 302 302 403 404 302"),
    Row("risk register", "GET", ORG + "/risks",                     "200 200 200 200 200 404 302"),
    Row("new risk", "GET", ORG + "/risks/new",                      "200 200 200 200 403 404 302"),
    Row("edit a risk", "GET", ORG + "/risks/{risk}/edit",           "200 200 200 200 403 404 302"),
    Row("a risk", "GET", ORG + "/risks/{risk}",                     "200 200 200 200 200 404 302"),
    Row("incidents", "GET", ORG + "/incidents",                     "200 200 200 200 200 404 302"),
    Row("open an incident", "GET", ORG + "/incidents/new",          "200 200 200 200 403 404 302"),
    Row("an incident", "GET", ORG + "/incidents/{incident}",        "200 200 200 200 200 404 302"),
    Row("open an incident (post)", "POST", ORG + "/incidents/new",  "302 302 302 302 403 404 302",
        {"title": "Scores all zero", "severity": "sev2"}),
    Row("acknowledge an incident", "POST", ORG + "/incidents/{incident}/acknowledge",
                                                                  "302 302 302 302 403 404 302"),
    Row("mitigate an incident", "POST", ORG + "/incidents/{incident}/mitigate",
                                                                  "302 302 302 302 403 404 302"),
    Row("resolve an incident", "POST", ORG + "/incidents/{incident}/resolve",
                                                                  "302 302 302 302 403 404 302"),
    Row("change an incident's severity", "POST", ORG + "/incidents/{incident}/severity",
                                                                  "302 302 302 302 403 404 302",
        {"severity-severity": "sev2"}),
    # The scene's deployment has no rollback plan: let through, then refused (400).
    Row("execute a rollback", "POST", ORG + "/incidents/{incident}/rollback",
                                                                  "400 400 400 400 403 404 302",
        {"rollback-minutes": "5"}),
    Row("note on an incident", "POST", ORG + "/incidents/{incident}/note",
                                                                  "302 302 302 302 403 404 302",
        {"note-note": "Looking into it."}),
    # The scene's incident is still open: the review waits for its resolution (400).
    Row("post-incident review", "POST", ORG + "/incidents/{incident}/review",
                                                                  "400 400 400 400 403 404 302",
        {"review-title": "Watch drift", "review-context": "x", "review-decision": "y"}),
    Row("mark a serious incident", "POST", ORG + "/incidents/{incident}/serious",
                                                                  "302 302 302 302 403 404 302",
        {"serious-kind": "standard"}),
    # Not yet marked serious: nothing to report (400).
    Row("report a serious incident", "POST", ORG + "/incidents/{incident}/report",
                                                                  "400 400 400 400 403 404 302",
        {"report-authority": "CNIL"}),
    Row("a monitor", "GET", ORG + "/monitors/{monitor}",            "200 200 200 200 200 404 302"),
    Row("new monitor", "GET", ORG + "/monitors/new?deployment={deployment}",
                                                                  "200 200 200 200 403 404 302"),
    Row("edit a monitor", "GET", ORG + "/monitors/{monitor}/edit",  "200 200 200 200 403 404 302"),
    Row("add a monitor", "POST", ORG + "/monitors/new",             "400 400 400 400 403 404 302"),
    Row("save a monitor", "POST", ORG + "/monitors/{monitor}/edit", "400 400 400 400 403 404 302"),
    Row("the initiatives", "GET", ORG + "/initiatives",             "200 200 200 200 200 404 302"),
    Row("the reviews", "GET", ORG + "/reviews",                     "200 200 200 200 200 404 302"),
    Row("objectives and KPIs", "GET", ORG + "/objectives",          "200 200 200 200 200 404 302"),
    Row("assessments", "GET", INI + "/assessments",                 "200 200 200 200 200 404 302"),
    Row("new assessment", "GET", INI + "/assessments/new",          "200 200 200 200 403 404 302"),
    Row("objectives", "GET", INI + "/objectives",                   "200 200 200 200 200 404 302"),
    Row("new objective", "GET", INI + "/objectives/new",            "200 200 200 200 403 404 302"),
    Row("edit an objective", "GET", INI + "/objectives/{objective}/edit",
                                                                  "200 200 200 200 403 404 302"),
    Row("new KPI", "GET", INI + "/objectives/{objective}/kpis/new", "200 200 200 200 403 404 302"),
    Row("edit a KPI", "GET", INI + "/kpis/{kpi}/edit",              "200 200 200 200 403 404 302"),
    Row("new measurement", "GET", INI + "/kpis/{kpi}/measurements/new",
                                                                  "200 200 200 200 403 404 302"),
    Row("new KPI threshold", "GET", INI + "/thresholds/new",        "200 200 200 403 403 404 302"),
    Row("dashboard", "GET", ORG + "/dashboard",                     "200 200 200 200 200 404 302"),
    Row("dashboard CSV", "GET", ORG + "/dashboard/maturity_radar.csv",
                                                                  "200 200 200 200 200 404 302"),
    Row("portfolio CSV", "GET", "/dashboard/portfolio_maturity.csv",
                                                                  "200 200 200 200 200 200 302"),
    Row("dashboard figure JSON", "GET", ORG + "/dashboard/maturity_radar.json",
                                                                  "200 200 200 200 200 404 302"),
    Row("portfolio figure JSON", "GET", "/dashboard/portfolio_maturity.json",
                                                                  "200 200 200 200 200 200 302"),
    Row("operations", "GET", ORG + "/operations",                   "200 200 200 200 200 404 302"),
    Row("operations CSV", "GET", ORG + "/operations/incident_times.csv",
                                                                  "200 200 200 200 200 404 302"),
    Row("operations figure JSON", "GET", ORG + "/operations/lead_time.json",
                                                                  "200 200 200 200 200 404 302"),
    # The API, with each person's unscoped token (anonymous: no token).
    Row("API organizations", "GET", "/api/v1/orgs",               "200 200 200 200 200 200 401"),
    Row("API initiatives", "GET", API + "/initiatives",             "200 200 200 200 200 404 401"),
    Row("API criteria", "GET", API + "/initiatives/{initiative}/criteria",
                                                                  "200 200 200 200 200 404 401"),
    Row("API decision log", "GET", API + "/decisions",              "200 200 200 200 200 404 401"),
    Row("API record a decision", "POST", API + "/decisions",        "201 201 201 201 403 404 401",
        {"title": "Use the vendor model", "context": "Cost.", "decision": "Adopt it."}),
    Row("API approve a decision", "POST", API + "/decisions/{decision}/approval",
                                                                  "201 201 201 403 403 404 401",
        {"version": "{decision}"}),
    Row("API correct a decision", "POST", API + "/decisions/{decision}/corrections",
                                                                  "201 201 201 201 403 404 401",
        {"version": "{decision}", "note": "Typo.", "title": "Adopt the vendor model"}),
    Row("API phases", "GET", API + "/initiatives/{initiative}/phases",
                                                                  "200 200 200 200 200 404 401"),
    Row("API name a phase owner", "PUT", API + "/initiatives/{initiative}/phases/{phase}/owner",
                                                                  "200 200 200 403 403 404 401",
        {"owner_id": "{auditor}"}),
    Row("API checkpoints", "GET", API + "/checkpoints",             "200 200 200 200 200 404 401"),
    Row("API request a checkpoint", "POST", API + "/checkpoints",   "400 400 400 400 403 404 401",
        {"initiative_id": "{initiative}", "stage_gate_id": "{gate}", "note": "Ready."}),
    Row("API decide a checkpoint", "POST", API + "/checkpoints/{checkpoint}/decision",
                                                                  "200 200 200 403 403 404 401",
        {"outcome": "rejected", "comment": "Not yet."}),
    Row("API dashboard", "GET", API + "/dashboard",                 "200 200 200 200 200 404 401"),
    Row("API operations", "GET", API + "/operations",               "200 200 200 200 200 404 401"),
    Row("API incidents", "GET", API + "/incidents",                 "200 200 200 200 200 404 401"),
    Row("API incident", "GET", API + "/incidents/{incident}",       "200 200 200 200 200 404 401"),
    Row("API open an incident", "POST", API + "/incidents",         "201 201 201 201 403 404 401",
        {"title": "Scores drifting", "severity": "sev3"}),
    Row("API acknowledge an incident", "POST", API + "/incidents/{incident}/acknowledge",
                                                                  "200 200 200 200 403 404 401"),
    Row("API mitigate an incident", "POST", API + "/incidents/{incident}/mitigate",
                                                                  "200 200 200 200 403 404 401"),
    Row("API resolve an incident", "POST", API + "/incidents/{incident}/resolve",
                                                                  "200 200 200 200 403 404 401"),
    # Alerts need a token scoped to one organization; these are unscoped: 403 saying so.
    Row("API Alertmanager webhook", "POST", "/api/v1/alerts/alertmanager",
                                                                  "403 403 403 403 403 403 401",
        {"version": "4"}),
    Row("API monitors", "GET", API + "/monitors",                   "200 200 200 200 200 404 401"),
    Row("API a monitor", "GET", API + "/monitors/{monitor}",        "200 200 200 200 200 404 401"),
    Row("API add a monitor", "POST", API + "/monitors",             "201 201 201 201 403 404 401",
        {"deployment_id": "{deployment}", "key": "fraud-api-psi", "name": "Drift",
         "signal": "drift", "metric": "psi", "comparator": "at_most", "threshold": "0.2"}),
    Row("API change a monitor", "PATCH", API + "/monitors/{monitor}",
                                                                  "200 200 200 200 403 404 401",
        {"name": "Fraud API AUC (holdout)"}),
    Row("API send observations", "POST", API + "/observations",     "201 201 201 201 403 404 401",
        {"observations": [{"monitor": "fraud-api-auc", "value": 0.8,
                           "observed_at": "2026-12-01T10:00:00Z"}]}),
    Row("API lineage graph", "GET",
        "/api/v1/lineage?nodeId=dataset:acme:parcels&org=acme-freight",
                                                                  "200 200 200 200 200 404 401"),
]
# fmt: on


def _cases(method: str) -> list[Any]:
    return [
        pytest.param(row, role, int(status), id=f"{row.name}-{role}")
        for row in MATRIX
        if (row.method == "GET") == (method == "GET")
        for role, status in zip(ROLES, row.statuses.split(), strict=True)
    ]


def _request(
    app: Flask, row: Row, ids: dict[str, int], user: User | None, token: dict[str, str] | None
) -> Any:
    path = row.path.format(**ids)
    data = {
        key: int(value.format(**ids)) if isinstance(value, str) and value.startswith("{") else value
        for key, value in (row.data or {}).items()
    }
    if row.api:
        return app.test_client().open(path, method=row.method, json=data, headers=token or {})
    client = app.test_client(user=user) if user is not None else app.test_client()
    return client.open(path, method=row.method, data=data)


@pytest.mark.parametrize(("row", "role", "expected"), _cases("POST"))
def test_who_may_write(app, world, user_in_role, token_for, row, role, expected):
    ids = build_scene(world)
    user = user_in_role(role)
    token = token_for(user) if user is not None and row.api else None
    response = _request(app, row, ids, user, token)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]


@pytest.fixture(scope="module")
def shared(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app, the scene's ids, and each role's user id and API token, built once."""
    with module_app(database_template, tmp_path_factory, "matrix") as app:
        world = build_world()
        ids = build_scene(world)
        users = {role: user.id for role, user in world["users"].items()}
        tokens = {
            role: {"Authorization": f"Bearer {create_token(user)[1]}"}
            for role, user in world["users"].items()
        }
        db.session.commit()
        yield app, ids, users, tokens


@pytest.mark.parametrize(("row", "role", "expected"), _cases("GET"))
def test_who_may_read(shared, row, role, expected):
    app, ids, users, tokens = shared
    user = db.session.get(User, users[role]) if role in users else None
    response = _request(app, row, ids, user, tokens.get(role))
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
