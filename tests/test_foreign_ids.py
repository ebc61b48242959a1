"""Another organization's ids in a body (web forms and the API, outside the decision log,
which tests/decisions covers): refused with a 4xx that names the field, nothing stored.

Each row posts a form that is valid but for one id, the other organization's record of the
kind the field takes; the same form with our own record is accepted elsewhere in the suite.
"""

from __future__ import annotations

import pytest

from governance.extensions import db
from governance.people.models import User
from tests.test_fuzz_inputs import fuzzed, row_counts  # noqa: F401 (the module's fixture)

ORG = "/orgs/acme-freight"
INI = ORG + "/initiatives/{initiative}"

# path (with our scene's ids), the form as posted, the field given a foreign id, its kind
WEB = [
    (ORG + "/programs/new", {"name": "P"}, "owner_id", "user"),
    (ORG + "/initiatives/new", {"name": "I", "risk_tier": "limited"}, "program_id", "program"),
    (ORG + "/initiatives/new", {"name": "I", "program_id": "{program}"}, "owner_id", "user"),
    (INI + "/edit", {"name": "I", "program_id": "{program}"}, "program_id", "program"),
    (INI + "/criteria/{criterion}/plan", {}, "owner_id", "user"),
    (
        ORG + "/lineage/new",
        {"kind": "dataset", "namespace": "n", "name": "x"},
        "initiative_id",
        "initiative",
    ),
    (
        ORG + "/lineage/new",
        {"kind": "model_version", "namespace": "n", "name": "m@2"},
        "parent_id",
        "model",
    ),
    (
        ORG + "/lineage/edges/new",
        {"kind": "trained_on", "target_id": "{dataset}"},
        "source_id",
        "version",
    ),
    (
        ORG + "/lineage/{deployment}/rollback",
        {"procedure": "Roll.", "owner": "Ops"},
        "target_version_id",
        "version",
    ),
    (
        ORG + "/risks/new",
        {"title": "R", "category": "drift", "likelihood": "2", "impact": "2", "status": "open"},
        "initiative_id",
        "initiative",
    ),
    (
        ORG + "/risks/new",
        {"title": "R", "category": "drift", "likelihood": "2", "impact": "2", "status": "open"},
        "owner_id",
        "user",
    ),
    (
        INI + "/thresholds/new",
        {"comparator": "lte", "threshold": "3", "window_days": "30", "phase": "evaluation"},
        "kpi_id",
        "kpi",
    ),
]


@pytest.mark.parametrize(
    ("path", "data", "field", "kind"), WEB, ids=[f"{r[0]}-{r[2]}" for r in WEB]
)
def test_a_form_refuses_another_organizations_id(fuzzed, path, data, field, kind):  # noqa: F811
    app, ids, admin_id, _token, foreign = fuzzed
    form = {k: v.format(**ids) for k, v in data.items()}
    form[field] = str(foreign[kind])
    before = row_counts()
    client = app.test_client(user=db.session.get(User, admin_id))
    response = client.post(path.format(**ids), data=form)
    assert response.status_code in (400, 404), response.status_code
    assert row_counts() == before
    if response.status_code == 400:
        assert f'id="{field}"' in response.get_data(as_text=True)  # the field is shown again


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"initiative_id": "initiative", "phase_id": "{phase}"}, "initiative"),
        ({"initiative_id": "{initiative}", "phase_id": "phase"}, "phase"),
        ({"initiative_id": "{initiative}", "stage_gate_id": "gate"}, "gate"),
    ],
)
def test_the_api_refuses_another_organizations_id(fuzzed, body, kind):  # noqa: F811
    app, ids, _admin_id, token, foreign = fuzzed
    sent = {k: (ids[v[1:-1]] if v.startswith("{") else foreign[v]) for k, v in body.items()}
    before = row_counts()
    response = app.test_client().post(
        "/api/v1/orgs/acme-freight/checkpoints", json={**sent, "note": "Ready."}, headers=token
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["message"].startswith("No such")
    assert row_counts() == before
