"""Page benchmark: p50/p95 per page in-process, the SQL queries each page issues, and the
framework floor (a trivial page of the same app), for one database at one scale.

    python bench/pages.py --database-url sqlite:///bench/L.db --scale L [--requests 40] [--rounds 3]

Pages are measured as they are read (roll-ups kept) and, for the portfolio and dashboard,
right after a write in the busiest organization (its roll-ups recomputed). Every page is timed
in `--rounds` rounds of `--requests` requests, all pages in turn, and the round with the
lowest p95 is reported (with its p50), as is the lowest floor.
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
from governance.gates.models import ExitCriterion, Phase
from governance.lineage.models import LineageArtifact, LineageEdge
from governance.people.models import Membership, User
from governance.people.sessions import start_session
from governance.portfolio.models import Initiative, Organization
from governance.risks.models import Risk
from governance.rollups import renew
from governance.web.startup import settle_heap

RESULTS = Path(__file__).resolve().parent / "results.json"
# Each page is timed in several rounds and the round with the lowest p95 is kept: this machine
# is shared, and its framework floor moves between 1 and 6 ms from one minute to the next;
# the quietest round is the one that shows the page rather than its neighbours.
ROUNDS = 3

Context = dict[str, Any]
# (page name, how to build its path from the context, which user views it)
PAGES: list[tuple[str, Callable[[Context], str], str]] = [
    ("portfolio", lambda c: "/", "leader"),
    ("organization", lambda c: f"/orgs/{c['org']}", "leader"),
    ("initiative", lambda c: f"/orgs/{c['org']}/initiatives/{c['initiative']}", "leader"),
    ("decisions_first", lambda c: f"/orgs/{c['org']}/decisions", "leader"),
    # The oldest entries: the page a reader reaches by following "older" to the end.
    ("decisions_last", lambda c: f"/orgs/{c['org']}/decisions?after=51", "leader"),
    ("decisions_search", lambda c: f"/orgs/{c['org']}/decisions?q=rollback+threshold", "leader"),
    ("lineage", lambda c: f"/orgs/{c['org']}/lineage", "leader"),
    ("lineage_impact", lambda c: f"/orgs/{c['org']}/lineage/{c['source']}/impact", "leader"),
    ("dashboard", lambda c: f"/orgs/{c['org']}/dashboard", "leader"),
    ("operations", lambda c: f"/orgs/{c['org']}/operations", "leader"),
    ("incidents", lambda c: f"/orgs/{c['org']}/incidents?status=all", "leader"),
    ("risks", lambda c: f"/orgs/{c['org']}/risks", "leader"),
    ("risk", lambda c: f"/orgs/{c['org']}/risks/{c['risk']}", "leader"),
    ("org_initiatives", lambda c: f"/orgs/{c['org']}/initiatives", "leader"),
    ("org_reviews", lambda c: f"/orgs/{c['org']}/reviews", "leader"),
    ("org_objectives", lambda c: f"/orgs/{c['org']}/objectives", "leader"),
    ("reviews", lambda c: "/reviews", "leader"),
    ("api_orgs", lambda c: "/api/v1/orgs", "token"),
    ("api_initiatives", lambda c: f"/api/v1/orgs/{c['org']}/initiatives", "token"),
    ("api_decisions", lambda c: f"/api/v1/orgs/{c['org']}/decisions", "token"),
    ("api_checkpoints", lambda c: f"/api/v1/orgs/{c['org']}/checkpoints", "token"),
    ("api_operations", lambda c: f"/api/v1/orgs/{c['org']}/operations", "token"),
    ("api_incidents", lambda c: f"/api/v1/orgs/{c['org']}/incidents", "token"),
    ("api_lineage", lambda c: f"/api/v1/lineage?nodeId={c['source_node']}&depth=20", "scoped"),
]
FLOOR = ("floor", lambda c: "/login", "anonymous")
# The same pages right after a write in the busiest organization: its roll-ups are recomputed
# (governance/rollups.py), the other organizations' are reused. The write is simulated by giving
# the organization a new data version, as every flush that touches its rows does.
AFTER_A_WRITE: list[tuple[str, Callable[[Context], str], str]] = [
    ("portfolio_after_write", lambda c: "/", "leader"),
    ("dashboard_after_write", lambda c: f"/orgs/{c['org']}/dashboard", "leader"),
]


def context(org_id: int | None = None) -> Context:
    # The busiest organization (or the one given), and a leader who belongs to it.
    if org_id is None:
        org_id = db.session.scalar(
            sa.select(Organization.id)
            .join(Initiative, Initiative.organization_id == Organization.id)
            .group_by(Organization.id)
            .order_by(sa.func.count().desc(), Organization.id)
            .limit(1)
        )
    slug = db.session.scalar(sa.select(Organization.slug).where(Organization.id == org_id))
    leader = db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org_id, Membership.role == "leader")
        .order_by(User.id)
        .limit(1)
    )
    # An initiative in flight, as the demo's first is: a criterion still open has an owner.
    in_flight = (
        sa.select(ExitCriterion.id)
        .join(Phase, Phase.id == ExitCriterion.phase_id)
        .where(
            Phase.initiative_id == Initiative.id,
            ExitCriterion.status == "open",
            ExitCriterion.owner_id.is_not(None),
        )
        .exists()
    )
    initiative = db.session.scalar(
        sa.select(Initiative.id)
        .where(Initiative.organization_id == org_id, in_flight)
        .order_by(Initiative.id)
        .limit(1)
    ) or db.session.scalar(
        sa.select(Initiative.id).where(Initiative.organization_id == org_id).order_by(Initiative.id)
    )
    # A data source of that organization with the most downstream edges: the impact query.
    source = db.session.scalar(
        sa.select(LineageArtifact)
        .join(LineageEdge, LineageEdge.source_id == LineageArtifact.id)
        .where(LineageArtifact.organization_id == org_id, LineageArtifact.kind == "data_source")
        .group_by(LineageArtifact.id)
        .order_by(sa.func.count().desc(), LineageArtifact.id)
        .limit(1)
    )
    # The register's first risk: the highest score.
    risk = db.session.scalar(
        sa.select(Risk.id)
        .where(Risk.organization_id == org_id)
        .order_by((Risk.likelihood * Risk.impact).desc(), Risk.id)
        .limit(1)
    )
    from governance.people.operations import create_token

    _token, plain = create_token(leader)
    _scoped, scoped = create_token(leader, db.session.get(Organization, org_id))
    db.session.commit()
    return {
        "org": slug,
        "org_id": org_id,
        "initiative": initiative,
        "source": source.id if source else 0,
        "source_node": source.node_id if source else "",
        "risk": risk or 0,
        "leader_id": leader.id,
        "token": plain,
        "scoped": scoped,
    }


def _measure(
    app: Flask,
    ctx: Context,
    path: str,
    who: str,
    requests: int,
    before: Callable[[], None] | None = None,
) -> tuple[float, float, int]:
    client = app.test_client()
    if who == "leader":
        # Sessions live on the server: the cookie carries a session's key (people/sessions.py).
        with app.app_context():
            key = start_session(db.session.get(User, ctx["leader_id"]))
            db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = key
            session["_fresh"] = True
    headers = {"Authorization": f"Bearer {ctx[who]}"} if who in ("token", "scoped") else {}
    queries = [0]

    def count(*_args: Any) -> None:
        queries[0] += 1

    for _ in range(3):  # warm caches, templates, connection pool
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    with app.app_context():
        engine = db.engine
    if before:
        before()
    sa.event.listen(engine, "before_cursor_execute", count)
    client.get(path, headers=headers)
    sa.event.remove(engine, "before_cursor_execute", count)
    times = []
    for _ in range(requests):
        if before:
            before()
        start = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, queries[0]


def run(
    database_url: str,
    scale: str,
    requests: int,
    only: set[str] | None = None,
    rounds: int = ROUNDS,
) -> list[dict[str, Any]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        ctx = context()
    settle_heap()  # as a gunicorn worker does (gunicorn.conf.py)
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"

    def write_in_busiest() -> None:
        with app.app_context():
            renew(db.session.connection(), [ctx["org_id"]])
            db.session.commit()

    measured = [(page, None) for page in PAGES] + [
        (page, write_in_busiest) for page in AFTER_A_WRITE
    ]
    measured = [(page, before) for page, before in measured if not only or page[0] in only]
    # Round after round over every page, so that one page's rounds are minutes apart and a
    # busy minute on the machine spoils one round of it, not all.
    floor = float("inf")
    best: dict[str, tuple[float, float, int]] = {}
    for _round in range(rounds):
        floor = min(floor, _measure(app, ctx, FLOOR[1](ctx), FLOOR[2], requests)[1])
        for (name, build, who), before in measured:
            p50, p95, queries = _measure(app, ctx, build(ctx), who, requests, before)
            if name not in best or p95 < best[name][1]:
                best[name] = (p50, p95, queries)
    return [
        {
            "page": name,
            "database": database,
            "scale": scale,
            "p50_ms": round(best[name][0], 2),
            "p95_ms": round(best[name][1], 2),
            "queries": best[name][2],
            "floor_p95_ms": round(floor, 2),
        }
        for (name, _build, _who), _before in measured
    ]


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


def targets(rows: list[dict[str, Any]]) -> list[str]:
    """The issue's targets at L, per page and database: what is not met."""
    by = {(r["page"], r["database"], r["scale"]): r for r in rows}
    misses = []
    for (page, database, scale), r in sorted(by.items()):
        small = by.get((page, database, "S"))
        if scale != "L":
            continue
        if r["p95_ms"] > 100:
            misses.append(f"{page} on {database}: p95 {r['p95_ms']:.0f} ms at L (> 100)")
        if small and r["queries"] != small["queries"]:
            misses.append(
                f"{page} on {database}: {small['queries']} queries at S, {r['queries']} at L"
            )
        if small and r["p95_ms"] > 2 * small["p95_ms"]:
            at_s = small["p95_ms"]
            misses.append(
                f"{page} on {database}: p95 {r['p95_ms']:.0f} ms at L > 2 x {at_s:.0f} at S"
            )
    return misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--scale", default="S")
    parser.add_argument("--requests", type=int, default=40, help="requests per round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds; the quietest is kept")
    parser.add_argument("--table", action="store_true", help="print bench/results.json and stop")
    parser.add_argument("--only", help="comma-separated page names (default: every page)")
    args = parser.parse_args()
    if args.table:
        rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
        order = {name: n for n, (name, _b, _w) in enumerate(PAGES + AFTER_A_WRITE)}
        rows.sort(key=lambda r: (r["database"], order.get(r["page"], 99), r["scale"]))
        print_table(rows)
        misses = targets(rows)
        print("\ntargets at L: " + ("all met" if not misses else f"{len(misses)} not met"))
        for miss in misses:
            print(f"  - {miss}")
        return
    if not args.database_url:
        parser.error("--database-url is required")
    only = set(args.only.split(",")) if args.only else None
    rows = run(args.database_url, args.scale, args.requests, only, args.rounds)
    print_table(rows)
    save(rows)


if __name__ == "__main__":
    main()
