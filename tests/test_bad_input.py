"""Bad input, one behaviour at a time: what a person or a client sees when they send NUL,
text-direction controls, formulas, out-of-range numbers or dates (issue 14, section 3).
The sweep of every route is tests/test_route_sweep.py; the fuzz pass over every form and API
body is tests/test_fuzz_inputs.py."""

from __future__ import annotations

import csv
import io
import json

import pytest

from governance.dashboards.charts import Chart, csv_cell
from governance.decisions.operations import record_decision
from governance.extensions import db
from governance.portfolio.models import Organization, Program

ORG = "/orgs/acme-freight"


def _programs() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Program))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Claims\x00 automation"}, "NUL"),
        ({"name": "Claims \u202eexe.fdp"}, "text-direction"),
        ({"name": "Claims", "description": "Notes\x00"}, "NUL"),
    ],
)
def test_a_form_refuses_nul_and_bidi_names_with_the_field_named(world, as_user, data, message):
    before = _programs()
    response = as_user(world["users"]["leader"]).post(f"{ORG}/programs/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert _programs() == before


def test_right_to_left_text_stays_welcome_in_descriptions(world, as_user):
    data = {"name": "Claims", "description": "\u2067שלום\u2069 world"}
    response = as_user(world["users"]["leader"]).post(f"{ORG}/programs/new", data=data)
    assert response.status_code == 302
    assert db.session.scalar(db.select(Program.description).where(Program.name == "Claims"))


def test_an_api_body_with_nul_anywhere_is_refused_naming_where(world, token_for, client):
    headers = token_for(world["users"]["contributor"])
    body = {"title": "T", "context": "C", "decision": "D", "details": {"cost": "12\x00"}}
    response = client.post("/api/v1/orgs/acme-freight/decisions", json=body, headers=headers)
    assert response.status_code == 400
    assert "details.cost" in response.get_json()["error"]["message"]
    titled = client.post(
        "/api/v1/orgs/acme-freight/decisions",
        json={**body, "details": {}, "title": "Adopt \u202evendor"},
        headers=headers,
    )
    assert titled.status_code == 422 and "title" in json.dumps(titled.get_json())


def test_an_openlineage_event_with_nul_is_refused_naming_the_field(world, client):
    from governance.people.operations import create_token

    _row, plain = create_token(world["users"]["contributor"], world["org"])
    db.session.commit()
    event = {
        "eventType": "START",
        "eventTime": "2026-11-20T02:00:00Z",
        "producer": "https://example.com/p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0196b3c8-0000-7000-8000-000000000001"},
        "job": {"namespace": "airflow", "name": "etl\x00orders"},
    }
    response = client.post(
        "/api/v1/lineage", json=event, headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 400
    assert "job.name" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        f"{ORG}/decisions?date_to=9999-12-31",
        f"{ORG}/decisions?date_from=0001-01-01",
        f"{ORG}/decisions?initiative=2147483648",
        f"{ORG}/risks?after=9223372036854775808",
        f"{ORG}/checkpoints/2147483648",
        "/reviews?after=-9223372036854775809",
    ],
)
def test_out_of_range_numbers_and_dates_answer_4xx_or_work(world, as_user, path):
    assert as_user(world["users"]["leader"]).get(path).status_code in (200, 400, 404)


@pytest.mark.parametrize(
    "query",
    ["after=2147483648", "date_to=9999-12-31", "initiative=-9223372036854775809", "q=%00"],
)
def test_the_api_refuses_out_of_range_query_values_with_a_4xx(world, token_for, client, query):
    headers = token_for(world["users"]["leader"])
    response = client.get(f"/api/v1/orgs/acme-freight/decisions?{query}", headers=headers)
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["message"]


# A leading tab or carriage return is stripped from a decision's text before it is stored;
# the cell rule itself is checked for them below.
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_the_decision_log_csv_neutralises_formula_cells(world, as_user, start):
    org = db.session.scalar(db.select(Organization).where(Organization.slug == "acme-freight"))
    title = f'{start}HYPERLINK("https://example.com")'
    record_decision(
        org, world["users"]["leader"], title=title, context=f"{start}1+2", decision="Adopt."
    )
    db.session.commit()
    text = (
        as_user(world["users"]["leader"]).get(f"{ORG}/decisions/export.csv").get_data(as_text=True)
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[-1]["title"] == "'" + title
    assert rows[-1]["context"] == f"'{start}1+2"


def test_one_cell_rule_for_every_csv():
    assert [csv_cell(v) for v in ("=1", "@x", "\tx", "plain", -3, 2.5, None)] == [
        "'=1",
        "'@x",
        "'\tx",
        "plain",
        -3,
        2.5,
        None,
    ]
    chart = Chart("k", "t", "d", {}, ["Name", "Delta"], [["\r=cmd", -2]])
    assert list(csv.reader(io.StringIO(chart.csv(), newline="")))[1] == ["'\r=cmd", "-2"]
