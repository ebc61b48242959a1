"""Fill a database with benchmark data at scale S, M or L.

    python bench/generate.py --scale L [--database-url postgresql+psycopg://.../bench_scale]
    make bench-data SCALE=L [DATABASE_URL=...]

S is the demo (`flask seed`). M and L add synthetic client organizations to the demo, through
bulk inserts (COPY on PostgreSQL, executemany on SQLite) of rows that respect every rule (see
bench/synth.py). The fractional leader of the demo, leader@example.com, leads every one of
them: the portfolio page shows the whole firm. The database is emptied first (SQLite: the file
is deleted; PostgreSQL: DROP SCHEMA public CASCADE): never point this at real data.
Without --database-url: $DATABASE_URL, else sqlite:///bench/data/<scale>.db.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import flask_migrate
import sqlalchemy as sa

from bench.synth import NOW, Ids, Org, Sizes, build, chunks
from governance import create_app
from governance.extensions import db
from governance.gates.state import all_initiative_ids, evaluate_initiatives
from governance.people.models import User
from governance.portfolio.models import Organization
from governance.portfolio.seed import load_demo
from governance.rollups import renew

DATA = Path(__file__).resolve().parent / "data"
# Scale M: about ten times the demo's volume; L: the figures.
SCALES: dict[str, tuple[int, Sizes]] = {
    "M": (10, Sizes(2, 5, 50, 5, 2, 3, 2, 12, 2000)),
    "L": (50, Sizes(10, 10, 5000, 20, 2, 4, 3, 12, 20000)),
}
# Insertion order: a row's references are inserted before it.
TABLES = (
    "program",
    "initiative",
    "phase",
    "stage_gate",
    "exit_criterion",
    "maturity_assessment",
    "maturity_score",
    "objective",
    "kpi",
    "kpi_measurement",
    "kpi_threshold",
    "risk",
    "lineage_artifact",
    "lineage_edge",
    "checkpoint",  # before its outcome's log entry, which points at it (see insert_org)
    "decision",
    "audit_event",
)
CHUNK = 5000


def default_url(scale: str) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DATA / f'{scale}.db'}"


def reset(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    _create_database_if_missing(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _create_database_if_missing(url: str) -> None:
    """A fresh machine has only the `test` database: create the bench one on first use."""
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def insert(table: str, rows: list[dict[str, Any]]) -> None:
    """Bulk insert: COPY on PostgreSQL, Core executemany in chunks on SQLite."""
    if not rows:
        return
    connection = db.session.connection()
    columns = list(rows[0])
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_copy_value(row[c]) for c in columns])
        return
    statement = db.metadata.tables[table].insert()
    for chunk in chunks(rows, CHUNK):
        connection.execute(statement, chunk)


def insert_org(org: Org) -> None:
    """Insert an organization's built rows, then forget them. A checkpoint and its outcome's
    decision-log entry point at each other (both with foreign keys): the checkpoint goes in
    first without its entry, and gets it once the log is in."""
    outcomes = [
        {"checkpoint": row["id"], "entry": row["decision_id"]}
        for row in org.rows.get("checkpoint", [])
        if row.get("decision_id") is not None
    ]
    for table in TABLES:
        rows = org.rows.get(table, [])
        if table == "checkpoint":
            rows = [{**row, "decision_id": None} for row in rows]
        insert(table, rows)
    if outcomes:
        checkpoint = db.metadata.tables["checkpoint"]
        db.session.connection().execute(
            sa.update(checkpoint)
            .where(checkpoint.c.id == sa.bindparam("checkpoint"))
            .values(decision_id=sa.bindparam("entry")),
            outcomes,
        )
    org.rows.clear()


def next_ids() -> Ids:
    ids = Ids()
    for table in (*TABLES, "user", "organization", "membership", "engagement"):
        column = db.metadata.tables[table].c.id
        ids.next[table] = int(db.session.scalar(sa.select(sa.func.max(column))) or 0) + 1
    return ids


def _people(ids: Ids, count: int) -> list[Org]:
    """The organizations, their members and engagements; the demo leader leads all of them."""
    leader = db.session.scalar(sa.select(User).where(User.email == "leader@example.com"))
    assert leader is not None, "the demo must be loaded first"
    password_hash = leader.password_hash  # one hash for every bench user (demo-password)
    orgs, users, memberships, engagements, organizations = [], [], [], [], []
    for n in range(1, count + 1):
        org_id, slug = ids.take("organization"), f"client-{n:03d}"
        organizations.append(
            {
                "id": org_id,
                "slug": slug,
                "name": f"Client {n:03d}",
                "description": f"Synthetic client organization {n}.",
                "review_target_days": 5,
                "created_at": NOW,
                "updated_at": NOW,
                "version": 1,
            }
        )
        members = {"leader": leader.id}
        names = {leader.id: leader.name}
        for role in ("pmo", "contributor", "auditor"):
            user_id = ids.take("user")
            members[role] = user_id
            names[user_id] = f"{role.capitalize()} of client {n:03d}"
            users.append(
                {
                    "id": user_id,
                    "email": f"{role}.{n:03d}@bench.example",
                    "name": names[user_id],
                    "password_hash": password_hash,
                    "is_admin": False,
                    "active": True,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "version": 1,
                }
            )
        for role, user_id in members.items():
            memberships.append(
                {
                    "id": ids.take("membership"),
                    "user_id": user_id,
                    "organization_id": org_id,
                    "role": role,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "version": 1,
                }
            )
        engagements.append(
            {
                "id": ids.take("engagement"),
                "organization_id": org_id,
                "leader_id": leader.id,
                "leadership_role": "fractional_cto",
                "model": "ongoing",
                "hours_per_week": 4,
                "starts_on": date(2025, 1, 6),
                "ends_on": None,
                "cost_model": "retainer",
                "created_at": NOW,
                "updated_at": NOW,
                "version": 1,
            }
        )
        orgs.append(Org(org_id, slug, members, names))
    for table, rows in (
        ("organization", organizations),
        ("user", users),
        ("membership", memberships),
        ("engagement", engagements),
    ):
        insert(table, rows)
    return orgs


def fix_sequences() -> None:
    """PostgreSQL: move each id sequence past the ids inserted explicitly."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.tables.values():
        id_column = table.c.get("id")
        if id_column is None or not id_column.primary_key:
            continue
        if isinstance(id_column.type, sa.Integer):  # a session's id is a random key
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
            )


def generate(scale: str, url: str) -> dict[str, Any]:
    started = time.perf_counter()
    reset(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        load_demo()
        db.session.commit()
        if scale in SCALES:
            count, sizes = SCALES[scale]
            ids = next_ids()
            rng = random.Random(f"bench-{scale}")
            orgs = _people(ids, count)
            for n, org in enumerate(orgs, start=1):
                build(org, sizes, ids, rng)
                insert_org(org)
                db.session.commit()
                if n % 10 == 0:
                    print(f"  {n}/{count} organizations, {time.perf_counter() - started:.0f} s")
            fix_sequences()
            db.session.commit()
        # Bulk inserts bypass the flush hook: give every organization its first data version,
        # and keep every exit criterion's rule result (what `refresh-criteria --all` does).
        renew(db.session.connection(), db.session.scalars(sa.select(Organization.id)).all())
        db.session.commit()
        initiative_ids = all_initiative_ids()
        for start in range(0, len(initiative_ids), 200):
            evaluate_initiatives(initiative_ids[start : start + 200])
            db.session.commit()
        print(f"  rule results kept, {time.perf_counter() - started:.0f} s")
        # Statistics for the planner, and on PostgreSQL the visibility map too: without the
        # VACUUM, autovacuum would process the freshly copied tables during the benchmark.
        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE" if postgres else "ANALYZE"))
        counts = {
            table: db.session.scalar(
                sa.select(sa.func.count()).select_from(db.metadata.tables[table])
            )
            for table in ("organization", *TABLES)
        }
        organizations = db.session.scalar(sa.select(sa.func.count(Organization.id)))
    elapsed = time.perf_counter() - started
    return {"scale": scale, "seconds": round(elapsed, 1), "organizations": organizations, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=["S", "M", "L"], default="S")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or default_url(args.scale)
    print(f"generating scale {args.scale} into {url.split('@')[-1]}")
    result = generate(args.scale, url)
    for key, value in result.items():
        print(f"  {key:<22}{value}")


if __name__ == "__main__":
    main()
