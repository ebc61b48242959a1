"""How numbers, dates and labels read on every page (governance/web/formats.py, enums.label)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from governance.enums import label
from governance.web.formats import day, duration, number, percent, when

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (250, "", "250"),
        (Decimal("2.5E+2"), "", "250"),  # what a Decimal's str gave: "2.5E+2"
        (Decimal("6.2E+2"), "EUR", f"620{NBSP}EUR"),
        (0.5, "", "0.5"),
        (Decimal("0.50"), "", "0.5"),
        (1234567.891, "", "1,234,567.89"),
        (Decimal("1234567.891"), "calls", f"1,234,567.89{NBSP}calls"),
        (None, "EUR", "—"),
        ("", "", "—"),
        (12.5, "%", "12.5%"),
        (Decimal("85"), "%", "85%"),
        (-3.25, "", "-3.25"),
        (-1500, "EUR", f"-1,500{NBSP}EUR"),
        (Decimal("-0.001"), "", "-0.001"),
        (Decimal("-0.0000001"), "", "0"),  # rounds to nothing: no "-0"
        (0.004, "min", f"0.004{NBSP}min"),  # a small fraction keeps its digits
        (Decimal("1.005"), "", "1.01"),  # half up, not banker's rounding
        (0, "h", f"0{NBSP}h"),
        (7, None, "7"),
    ],
)
def test_a_number_reads_with_its_unit_and_sensible_precision(value, unit, shown):
    assert number(value, unit) == shown


def test_a_number_never_shows_an_exponent():
    for value in (Decimal("1E+6"), Decimal("1.5E-3"), 1e15, Decimal("123456789012.5")):
        assert "E" not in number(value) and "e" not in number(value)


def test_percent_of_a_share():
    assert percent(0.125) == "12.5%"
    assert percent(1) == "100%"
    assert percent(Decimal("0.3333")) == "33.3%"
    assert percent(-0.05) == "-5%"
    assert percent(None) == "—"


def test_one_date_format_and_times_in_utc_saying_so():
    assert day(date(2026, 12, 3)) == "03 Dec 2026"
    assert day("2026-12-03") == "03 Dec 2026"
    assert day(None) == "—"
    moment = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
    assert when(moment) == "03 Dec 2026 14:05 UTC"
    assert when(moment.astimezone(timezone(timedelta(hours=2)))) == "03 Dec 2026 14:05 UTC"
    assert when(datetime(2026, 12, 3, 14, 5)) == "03 Dec 2026 14:05 UTC"  # stored naive = UTC
    assert when("2026-12-03T15:05:00+01:00") == "03 Dec 2026 14:05 UTC"  # a snapshot's ISO text
    assert when(date(2026, 12, 3)) == "03 Dec 2026"
    assert when(None) == "—"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("kpi_threshold", "KPI threshold"),
        ("eu_ai_act", "EU AI act"),
        ("requested_by_id", "Requested by ID"),
        ("evidence_url", "Evidence URL"),
        ("pmo", "PMO"),
        ("knowledge_transfer", "Knowledge transfer"),
        ("fractional_head_of_ai", "Fractional Head of AI"),
        ("said", "Said"),  # "ai" inside a word stays as it is
    ],
)
def test_labels_write_acronyms_in_capitals(value, shown):
    assert label(value) == shown


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "0 min"),
        (44.6, "45 min"),
        (60, "1 h"),
        (200, "3 h 20 min"),
        (1440, "1 d"),
        (3000, "2 d 2 h"),  # days keep the hours only
        (Decimal("90.4"), "1 h 30 min"),
        (-30, "-30 min"),
        (None, "—"),
        ("abc", "—"),
    ],
)
def test_durations_read_in_minutes_hours_and_days(minutes, shown):
    assert duration(minutes) == shown
