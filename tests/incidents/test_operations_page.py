"""The operations page: tiles, figures and their downloads, the health grid, filters, who may
open it, and a query count that does not grow with the data."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from governance.database import utcnow
from governance.extensions import db as _db
from governance.incidents import figures
from governance.monitoring import operations as monitoring_ops
from tests.conftest import ROLES
from tests.incidents.history import build_history

PAGE = "/orgs/acme-freight/operations"


def _tile(html, key):
    match = re.search(rf'data-tile="{key}"[^>]*>(.*?)</dd>', html, re.S)
    assert match, key
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_page_and_its_downloads(world, as_user, user_in_role, role):
    expected = {"outsider": 404, "anonymous": 302}.get(role, 200)
    client = as_user(user_in_role(role))
    for path in (PAGE, f"{PAGE}/incident_times.csv", f"{PAGE}/lead_time.json"):
        assert client.get(path).status_code == expected, path


def test_tiles_show_the_last_90_days_against_the_target(world, as_user):
    history = build_history(world)
    html = as_user(world["users"]["auditor"]).get(PAGE).get_data(as_text=True)
    assert _tile(html, "mttd") == "15 min"
    assert _tile(html, "mtta") == "15 min"
    assert _tile(html, "mttr").startswith("2 h 40 min")  # (120 + 60 + 300) / 3
    assert "within target" in _tile(html, "mttr")  # the default target is 240 min
    assert _tile(html, "open").split()[:2] == ["1", "SEV1:"]
    assert _tile(html, "deployments") == "3 deployments (1 per 30 days)"
    assert history["mttr"] == 160


def test_over_target_is_said_in_words(world, as_user, db):
    build_history(world)
    world["org"].mttr_target_minutes = 60
    db.session.commit()
    html = as_user(world["users"]["leader"]).get(PAGE).get_data(as_text=True)
    assert "over target" in _tile(html, "mttr") and "(target 1 h)" in html


def test_every_figure_has_its_card_csv_and_json(world, as_user):
    build_history(world)
    client = as_user(world["users"]["contributor"])
    html = client.get(PAGE).get_data(as_text=True)
    for key in figures.FIGURES:
        assert f'id="{key}"' in html
        assert f'href="{PAGE}/{key}.csv"' in html
        body = client.get(f"{PAGE}/{key}.json").get_json()
        assert body["key"] == key and body["table"]["rows"]
    download = client.get(f"{PAGE}/incident_times.csv")
    assert download.mimetype == "text/csv"
    assert "acme-freight-operations-incident_times.csv" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][:3] == ["Month", "Incidents", "MTTD (min)"]
    assert sum(int(r[1]) for r in rows[1:]) == 5
    severity = list(csv.reader(io.StringIO(client.get(f"{PAGE}/incidents_by_severity.csv").text)))
    assert severity[0] == ["Month", "SEV1", "SEV2", "SEV3", "SEV4"]
    assert sum(int(n) for r in severity[1:] for n in r[1:]) == 5


def test_unknown_figures_and_foreign_filters_are_404(world, as_user, make_initiative):
    client = as_user(world["users"]["leader"])
    assert client.get(f"{PAGE}/nope.csv").status_code == 404
    other = world["other_initiative"].id
    assert client.get(f"{PAGE}/lead_time.csv?initiative={other}").status_code == 404
    assert client.get(f"{PAGE}/lead_time.json?deployment=999999").status_code == 404
    page = client.get(f"{PAGE}?initiative={other}&deployment=abc")
    assert page.status_code == 200
    assert "not in this organization" in page.get_data(as_text=True)


def test_the_health_grid_and_filters(world, as_user, db):
    history = build_history(world)
    by = world["users"]["contributor"]
    monitoring_ops.record_observations(
        world["org"],
        by,
        [monitoring_ops.ObservationInput(0.5, utcnow(), monitor_key="scoring-auc")],
    )
    db.session.commit()
    client = as_user(by)
    html = client.get(PAGE).get_data(as_text=True)
    api_row = re.search(rf'<tr id="deployment-{history["api"].id}">.*?</tr>', html, re.S).group(0)
    batch_row = re.search(rf'<tr id="deployment-{history["batch"].id}">.*?</tr>', html, re.S)
    assert f'href="/orgs/acme-freight/monitors/{history["monitor"].id}"' in api_row
    assert "Breaching" in api_row and "auc 0.5" in api_row
    assert "Not monitored" in batch_row.group(0)
    narrowed = client.get(f"{PAGE}?deployment={history['batch'].id}").get_data(as_text=True)
    assert _tile(narrowed, "incidents") == "0" and _tile(narrowed, "mttr") == "—"
    assert _tile(narrowed, "deployments").startswith("1 deployment ")
    assert f"lead_time.csv?deployment={history['batch'].id}" in narrowed
    by_initiative = client.get(f"{PAGE}?initiative={world['initiative'].id}").get_data(as_text=True)
    assert _tile(by_initiative, "incidents") == "4"


def _count_queries(client, path):
    assert client.get(path).status_code == 200
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", listener)
    return len(seen)


def test_query_count_does_not_grow_with_the_data(world, as_user):
    client = as_user(world["users"]["leader"])
    build_history(world)
    small = _count_queries(client, PAGE)
    for n in range(3):
        build_history(world, prefix=f"more{n}-")
    assert _count_queries(client, PAGE) == small
    assert small <= 25
