"""Numbers with their unit, one date format, messages that name what was saved, and labels
in the users' words, on the pages that showed them otherwise (issue 15, item 4)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from governance.enums import Direction, ValueDriver
from governance.extensions import db
from governance.maturity import operations as maturity

NBSP = "\u00a0"


def _flashes(page: str) -> list[str]:
    return re.findall(r'<div class="flash flash-\w+" role="status">(.*?)</div>', page, re.S)


@pytest.fixture
def kpi(world):
    initiative, contributor = world["initiative"], world["users"]["contributor"]
    objective = maturity.create_objective(
        initiative, contributor, "Cut fraud losses", ValueDriver.COST
    )
    made = maturity.create_kpi(
        objective,
        contributor,
        "Fraud losses per 10k parcels",
        unit="EUR",
        direction=Direction.DECREASE,
        baseline=Decimal("1234.5"),
        target=Decimal("2.5E+2"),
        target_on=date.today() + timedelta(days=90),
    )
    maturity.record_measurement(
        made, contributor, date.today() - timedelta(days=3), Decimal("6.2E+2")
    )
    db.session.commit()
    return made


def test_a_kpi_page_shows_numbers_with_their_unit_and_dates_as_everywhere(world, as_user, kpi):
    initiative = world["initiative"]
    path = f"/orgs/acme-freight/initiatives/{initiative.id}/objectives"
    page = as_user(world["users"]["auditor"]).get(path).get_data(as_text=True)
    assert "E+" not in page
    assert f"1,234.5{NBSP}EUR" in page and f"250{NBSP}EUR" in page and f"620{NBSP}EUR" in page
    measured = date.today() - timedelta(days=3)
    assert f"{measured:%d %b %Y}: 620{NBSP}EUR" in page  # the history, as the latest: no ISO
    assert measured.isoformat() not in page
    assert f"by {kpi.target_on:%d %b %Y}" in page


def test_saving_a_kpi_names_it(world, as_user, kpi):
    initiative = world["initiative"]
    client = as_user(world["users"]["contributor"])
    base = f"/orgs/acme-freight/initiatives/{initiative.id}"
    response = client.post(
        f"{base}/kpis/{kpi.id}/edit",
        data={
            "version": str(kpi.version),
            "name": "Fraud losses",
            "unit": "EUR",
            "direction": "decrease",
            "baseline": "412",
            "target": "250",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flashes(page) == ["KPI “Fraud losses” saved."]

    response = client.post(
        f"{base}/kpis/{kpi.id}/measurements/new",
        data={"measured_on": date.today().isoformat(), "value": "1500.25"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _flashes(page) == [
        f"Measurement of “Fraud losses” on {date.today():%d %b %Y} saved: 1,500.25{NBSP}EUR."
    ]


def test_no_view_flashes_a_bare_saved():
    from pathlib import Path

    import governance

    package = Path(governance.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if 'success="Saved."' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_new_organization_form_asks_for_a_web_address_showing_the_url(world, as_user):
    page = as_user(world["users"]["admin"]).get("/orgs/new").get_data(as_text=True)
    assert ">Web address <abbr" in page and ">Address<" not in page
    assert "pages will be at http://localhost/orgs/web-address" in page
    response = as_user(world["users"]["admin"]).post(
        "/orgs/new", data={"slug": "Not A Slug", "name": "Initech", "review_target_days": "5"}
    )
    assert response.status_code == 400
    assert "Web address: Use lower-case letters" in response.get_data(as_text=True)


def test_the_password_form_speaks_plainly(world, as_user):
    client = as_user(world["users"]["contributor"])
    response = client.post(
        "/account/password",
        data={"current_password": "", "new_password": "abcdefgh1", "confirm": "abcdefgh2"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your current password." in page
    assert "The two new passwords differ" in page
    assert "This field is required" not in page and "Field must be equal" not in page
