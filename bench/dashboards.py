"""How long the dashboards take: ms per figure (query + dict spec + JSON) and per page.

Also measures what the same figures cost when built as plotly.graph_objects.Figure and
serialized with plotly.io.to_json, the approach the issue measured at ~6 ms per figure.
Run: .venv/bin/python bench/dashboards.py [--repeat N]   (uses a temporary SQLite demo database)
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import flask_migrate
import plotly.graph_objects as go
import plotly.io as pio
import sqlalchemy as sa

from governance import create_app
from governance.dashboards import figures as dashboards
from governance.extensions import db
from governance.portfolio.models import Organization
from governance.portfolio.seed import load_demo


def ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            flask_migrate.upgrade(revision="heads")
            load_demo()
            db.session.commit()
            org_id = db.session.scalar(
                sa.select(Organization.id).where(Organization.slug == "northwind-logistics")
            )
            today = date.today()
            scope = dashboards.Scope(today, org_id=org_id)
            head = ("figure", "SQL+dict spec+JSON", "JSON of dict", "go.Figure+to_json")
            print(f"{head[0]:20} {head[1]:>19} {head[2]:>13} {head[3]:>18}  (ms)")
            for key, build in dashboards.ORGANIZATION_FIGURES.items():
                chart = build(scope)
                full = ms(lambda b=build: json.dumps(b(scope).figure), args.repeat)
                spec = ms(lambda c=chart: json.dumps(c.figure), args.repeat)
                figure = ms(lambda c=chart: pio.to_json(go.Figure(c.figure)), args.repeat)
                print(f"{key:20} {full:19.2f} {spec:13.3f} {figure:18.2f}")
            page = ms(lambda: dashboards.organization_charts(org_id, today), args.repeat)
            portfolio = ms(lambda: dashboards.portfolio_charts(None, today), args.repeat)
            client = app.test_client()
            from governance.people.operations import find_user
            from governance.people.sessions import start_session

            with app.test_request_context():
                # Sessions live on the server: the cookie carries a session's key.
                leader = find_user("leader@example.com")
                key = start_session(leader)
                db.session.commit()
            with client.session_transaction() as session:
                session["_user_id"] = key
                session["_fresh"] = True
            assert client.get("/orgs/northwind-logistics/dashboard").status_code == 200
            http = ms(
                lambda: client.get("/orgs/northwind-logistics/dashboard").close(), args.repeat
            )
            http_portfolio = ms(lambda: client.get("/").close(), args.repeat)
            n_org, n_portfolio = (
                len(dashboards.ORGANIZATION_FIGURES),
                len(dashboards.PORTFOLIO_FIGURES),
            )
            print(f"\norganization dashboard, {n_org} figures (SQL + specs):  {page:7.2f} ms")
            print(
                f"portfolio, {n_portfolio} figures (SQL + specs):               {portfolio:7.2f} ms"
            )
            print(f"GET /orgs/northwind-logistics/dashboard (whole page):  {http:7.2f} ms")
            print(
                f"GET / (portfolio page with its figures):               {http_portfolio:7.2f} ms"
            )


if __name__ == "__main__":
    main()
