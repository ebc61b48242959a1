"""`GET /api/v1/orgs/<slug>/operations`, and one truth: the page's tiles, the API, the CSV
and the portfolio's client cards give the same MTTR and open incidents."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from governance.database import utcnow
from governance.incidents import metrics
from tests.conftest import ROLES
from tests.incidents.history import build_history

URL = "/api/v1/orgs/acme-freight/operations"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_numbers(world, client, token_for, user_in_role, role):
    user = user_in_role(role)
    headers = token_for(user) if user is not None else {}
    expected = {"outsider": 404, "anonymous": 401}.get(role, 200)
    response = client.get(URL, headers=headers)
    assert response.status_code == expected
    if expected != 200:
        assert set(response.get_json()["error"]) >= {"code", "message"}


def test_the_answer_holds_the_months_and_the_last_90_days(world, client, token_for):
    history = build_history(world)
    body = client.get(URL, headers=token_for(world["users"]["auditor"])).get_json()
    head = body["last_90_days"]
    assert head["incidents"] == 4 and head["resolved"] == 3 and head["acknowledged"] == 2
    assert head["mttd_minutes"] == pytest.approx(history["mttd"])
    assert head["mtta_minutes"] == pytest.approx(history["mtta"])
    assert head["mttr_minutes"] == pytest.approx(history["mttr"])
    assert head["mttr_within_target"] is True and body["mttr_target_minutes"] == 240
    assert head["open"] == {"sev1": 1, "sev2": 0, "sev3": 0, "sev4": 0}
    assert (head["open_total"], head["worst_open"]) == (1, "sev1")
    # v1 on the API: no incident before v2 came; v2: incidents 20 and 30 days ago; batch: none.
    assert (head["deployments"], head["failed_deployments"]) == (3, 1)
    assert head["change_failure_rate_percent"] == pytest.approx(33.33)
    assert len(body["months"]) == 12 and body["months"][-1]["month"] == utcnow().strftime("%Y-%m")
    assert sum(m["incidents"] for m in body["months"]) == 5
    assert sum(sum(m["by_severity"].values()) for m in body["months"]) == 5
    assert sum(m["deployments"] for m in body["months"]) == 3


def test_filters_and_bad_filters(world, client, token_for):
    history = build_history(world)
    headers = token_for(world["users"]["leader"])
    batch = client.get(f"{URL}?deployment={history['batch'].id}", headers=headers).get_json()
    assert batch["deployment"] == history["batch"].id
    assert batch["last_90_days"]["incidents"] == 0
    assert batch["last_90_days"]["deployments"] == 1
    foreign = client.get(f"{URL}?initiative={world['other_initiative'].id}", headers=headers)
    assert foreign.status_code == 404
    bad = client.get(f"{URL}?deployment=abc", headers=headers)
    assert bad.status_code == 422
    assert "deployment" in str(bad.get_json()["error"])


def _tile(html, key):
    match = re.search(rf'data-tile="{key}"[^>]*>(.*?)</dd>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_page_api_csv_and_portfolio_agree(world, client, token_for, as_user, app):
    build_history(world)
    leader = world["users"]["leader"]
    api = client.get(URL, headers=token_for(leader)).get_json()
    browser = as_user(leader)
    page = browser.get("/orgs/acme-freight/operations").get_data(as_text=True)
    portfolio = browser.get("/").get_data(as_text=True)
    minutes = app.jinja_env.filters["duration"]
    head = api["last_90_days"]
    assert _tile(page, "mttr").startswith(minutes(head["mttr_minutes"]))
    mttr = re.search(r'data-org-mttr="acme-freight"[^>]*>(.*?)</dd>', portfolio, re.S).group(1)
    assert mttr.strip() == minutes(head["mttr_minutes"])
    opened = re.search(r'data-org-open="acme-freight">(.*?)</dd>', portfolio, re.S).group(1)
    assert re.sub(r"<[^>]+>", " ", opened).split() == [str(head["open_total"]), "worst", "SEV1"]
    now = utcnow()
    since = now - timedelta(days=metrics.HEADLINE_DAYS)
    assert metrics.mttr_minutes(world["org"].id, since, now) == head["mttr_minutes"]
    rows = list(
        csv.DictReader(
            io.StringIO(browser.get("/orgs/acme-freight/operations/incident_times.csv").text)
        )
    )
    by_month = {m["month"]: m for m in api["months"]}
    for row in rows:
        month = by_month[row["Month"]]
        assert int(row["Incidents"]) == month["incidents"]
        assert float(row["MTTR (min)"] or "nan") == pytest.approx(
            month["mttr_minutes"] if month["mttr_minutes"] is not None else float("nan"),
            nan_ok=True,
        )
    globex = re.search(r'data-org-open="globex-health">(.*?)</dd>', portfolio, re.S)
    assert globex is None  # the leader is not a member there
    # The organizations API says of each client what its portfolio card says.
    orgs = client.get("/api/v1/orgs", headers=token_for(leader)).get_json()["items"]
    acme = next(o for o in orgs if o["slug"] == "acme-freight")
    assert acme["mttr_minutes_90_days"] == head["mttr_minutes"]
    assert sum(acme["open_incidents"].values()) == head["open_total"]
    assert "sev1" in acme["open_incidents"]


def test_portfolio_query_count_does_not_grow_with_organizations(world, as_user, make_org, db):
    from tests.incidents.test_operations_page import _count_queries

    admin = world["users"]["admin"]
    client = as_user(admin)
    small = _count_queries(client, "/")
    for _ in range(4):
        make_org()
    build_history(world)
    assert _count_queries(client, "/") == small
