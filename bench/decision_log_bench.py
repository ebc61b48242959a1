"""Figures for the decision log (issue 3's "Done when"), printed; not a test.

    .venv/bin/python bench/decision_log_bench.py                       # SQLite (temporary file)
    BENCH_DATABASE_URL=postgresql+psycopg://.../db .venv/bin/python bench/decision_log_bench.py

1. 8 concurrent writers x 100 appends through record_decision, each in its own transaction:
   time, and that the result is one unbroken chain of 800 entries.
2. verify-log's check of N entries (default 100,000) read back from the database, and the
   same entries exported to JSONL and verified by verify.py.
The PostgreSQL database is emptied first (DROP SCHEMA public): never point it at real data.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from governance import create_app, verify
from governance.decisions import operations as ops
from governance.decisions.chain import verify_organization
from governance.decisions.exports import write_export
from governance.enums import Role
from governance.extensions import db
from governance.people import operations as people
from governance.people.models import User
from governance.portfolio import operations as portfolio
from governance.portfolio.models import Organization

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "100000"))


def make_app(url: str):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        flask_migrate.upgrade(revision="heads")
    return app


def concurrent_writers(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        org = portfolio.create_organization("bench-writers", "Bench writers")
        user = people.create_user("writer@example.com", "Writer", "bench-password")
        people.set_membership(user, org, Role.LEADER)  # record_decision checks who writes
        db.session.commit()
        org_id, user_id = org.id, user.id
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            with app.app_context():
                org = db.session.get(Organization, org_id)
                author = db.session.get(User, user_id)
                barrier.wait()
                for i in range(100):
                    ops.record_decision(org, author, title=f"w{n}-{i}", context="c", decision="d")
                    db.session.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with app.app_context():
        result = verify_organization(db.session.get(Organization, org_id))
    print(
        f"8 writers x 100 appends: {elapsed:.1f} s ({800 / elapsed:.0f} appends/s), "
        f"errors {len(errors)}, chain ok={result.ok} entries={result.count} head={result.head_seq}"
    )


def bulk_verify(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        org = portfolio.create_organization("bench-verify", "Bench verify")
        user = people.create_user("bulk@example.com", "Bulk", "bench-password")
        people.set_membership(user, org, Role.LEADER)
        db.session.commit()
        started = time.perf_counter()
        for n in range(ENTRIES):
            ops.record_decision(
                org,
                user,
                title=f"Decision {n}",
                context="Context of a realistic length " * 8,
                decision="Chosen option",
                rationale="Because " * 10,
                decision_drivers=["cost", "risk"],
                details={"criterion": {"key": "k", "n": n}},
            )
            if n % 1000 == 999:
                db.session.commit()
        db.session.commit()
        print(f"appended {ENTRIES} entries in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        result = verify_organization(org)
        print(
            f"verify-log of {result.count} entries from the database: "
            f"{time.perf_counter() - started:.1f} s (ok={result.ok})"
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "log.jsonl"
            started = time.perf_counter()
            write_export(org, "jsonl", path)
            exported = time.perf_counter() - started
            started = time.perf_counter()
            checked = verify.verify_file(path)
            print(
                f"export of {ENTRIES} entries to JSONL: {exported:.1f} s "
                f"({path.stat().st_size / 1e6:.0f} MB); verify.py: "
                f"{time.perf_counter() - started:.1f} s (ok={checked.ok})"
            )


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{tmp}/bench.db"
        print(f"database: {url.split('@')[-1]}")
        app = make_app(url)
        concurrent_writers(app)
        if "--writers-only" not in sys.argv:
            bulk_verify(app)


if __name__ == "__main__":
    main()
