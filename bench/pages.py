"""Page benchmark: p50/p95 per page in-process, the SQL queries each page issues, and the
framework floor (a trivial page of the same app), for one database at one scale.

    python bench/pages.py --database-url sqlite:///bench/L.db --scale L [--requests 40]

Prints a table and merges its rows into bench/results.json
(page, database, scale, p50_ms, p95_ms, queries, floor_p95_ms). It reports; it never fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from governance import create_app
from governance.extensions import db
from governance.models import Initiative, Membership, Organization, User

RESULTS = Path(__file__).resolve().parent / "results.json"

Context = dict[str, Any]
# (page name, how to build its path from the context, which user views it)
PAGES: list[tuple[str, Callable[[Context], str], str]] = [
    ("portfolio", lambda c: "/", "leader"),
    ("organization", lambda c: f"/orgs/{c['org']}", "leader"),
    ("initiative", lambda c: f"/orgs/{c['org']}/initiatives/{c['initiative']}", "leader"),
    ("api_orgs", lambda c: "/api/v1/orgs", "token"),
    ("api_initiatives", lambda c: f"/api/v1/orgs/{c['org']}/initiatives", "token"),
]
FLOOR = ("floor", lambda c: "/login", "anonymous")


def _context() -> Context:
    # The busiest organization, and a leader who belongs to it (the worst case for pages).
    org_id, slug = db.session.execute(
        sa.select(Organization.id, Organization.slug)
        .join(Initiative, Initiative.organization_id == Organization.id)
        .group_by(Organization.id, Organization.slug)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).one()
    leader = db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org_id, Membership.role == "leader")
        .order_by(User.id)
        .limit(1)
    )
    initiative = db.session.scalar(
        sa.select(Initiative.id).where(Initiative.organization_id == org_id).order_by(Initiative.id)
    )
    from governance.operations.people import create_token

    _token, plain = create_token(leader)
    db.session.commit()
    return {
        "org": slug,
        "org_id": org_id,
        "initiative": initiative,
        "leader_id": leader.id,
        "token": plain,
    }


def _measure(
    app: Flask, ctx: Context, path: str, who: str, requests: int
) -> tuple[float, float, int]:
    client = app.test_client()
    if who == "leader":
        with client.session_transaction() as session:
            session["_user_id"] = str(ctx["leader_id"])
            session["_fresh"] = True
    headers = {"Authorization": f"Bearer {ctx['token']}"} if who == "token" else {}
    queries = [0]

    def count(*_args: Any) -> None:
        queries[0] += 1

    for _ in range(3):  # warm caches, templates, connection pool
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    client.get(path, headers=headers)
    sa.event.remove(engine, "before_cursor_execute", count)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, queries[0]


def run(database_url: str, scale: str, requests: int) -> list[dict[str, Any]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        ctx = _context()
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    _p50, floor_p95, _q = _measure(app, ctx, FLOOR[1](ctx), FLOOR[2], requests)
    rows = []
    for name, build, who in PAGES:
        p50, p95, queries = _measure(app, ctx, build(ctx), who, requests)
        rows.append(
            {
                "page": name,
                "database": database,
                "scale": scale,
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "queries": queries,
                "floor_p95_ms": round(floor_p95, 2),
            }
        )
    return rows


def save(rows: list[dict[str, Any]]) -> None:
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    keys = {(r["page"], r["database"], r["scale"]) for r in rows}
    kept = [r for r in existing if (r["page"], r["database"], r["scale"]) not in keys]
    RESULTS.write_text(json.dumps(kept + rows, indent=2) + "\n")


def print_table(rows: list[dict[str, Any]]) -> None:
    header = ("page", "db", "scale", "p50 ms", "p95 ms", "queries", "floor p95")
    print(f"{header[0]:<22}{header[1]:<12}{header[2]:<6}" + "".join(f"{h:>10}" for h in header[3:]))
    for r in rows:
        print(
            f"{r['page']:<22}{r['database']:<12}{r['scale']:<6}{r['p50_ms']:>10.1f}"
            f"{r['p95_ms']:>10.1f}{r['queries']:>10}{r['floor_p95_ms']:>10.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", default="S")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    rows = run(args.database_url, args.scale, args.requests)
    print_table(rows)
    save(rows)


if __name__ == "__main__":
    main()
