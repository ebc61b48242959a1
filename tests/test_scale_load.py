"""Issue 7's load test, shortened (5 s, 4 clients, 2 gunicorn workers): mixed reads and writes
against a real server on a free port, then every acknowledged write is in the database, no
response was a 5xx, and every decision chain verifies. `make load` runs the full 60 s."""

from __future__ import annotations

from bench.load import check, run_load
from governance.extensions import db


def test_mixed_traffic_loses_nothing_and_never_fails(demo_data, app, database_url):
    db.session.remove()
    db.engine.dispose()
    report = run_load(database_url, seconds=5, clients=4, workers=2)
    assert len(report.latencies) > 20
    assert report.decisions and report.runs, report.statuses
    assert not any(status >= 500 for status in report.statuses), report.statuses
    assert check(database_url, report) == []
