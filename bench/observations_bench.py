"""Observation ingestion rate: batches through `POST /api/v1/orgs/<slug>/observations`.

    .venv/bin/python -m bench.observations_bench                    # SQLite in a temporary file
    .venv/bin/python -m bench.observations_bench \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_observations
        # PostgreSQL: the database is created if missing, and emptied (it is the bench's own)

The requests go through the whole app (token check, Idempotency-Key on half of them, JSON
parsing, judging against 20 monitors, one insert per batch, commit) with Flask's test client:
no network, so the figure is the app's and the database's, not the loopback's. Each batch of
`--batch` values mixes monitor keys (80 %) and a dataset's metrics (20 %), 1 in 10 breaching.
Prints observations a second (median of the batches and overall) and writes nothing else.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from governance import create_app
from governance.enums import ArtifactKind, Comparator, Environment, MonitorSignal, Role
from governance.extensions import db
from governance.lineage import operations as lineage_ops
from governance.monitoring import operations as monitoring_ops
from governance.monitoring.models import Observation
from governance.people import operations as people
from governance.portfolio import operations as portfolio

MONITORS = 20
TARGET = 1000  # observations a second (issue 16)


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist."""
    engine = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1].split("?")[0]
    with engine.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _app(url: str | None):
    url = url or f"sqlite:///{tempfile.mkdtemp()}/observations.db"
    if url.startswith("postgresql"):
        _ensure_database(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        flask_migrate.upgrade(revision="heads")
    return app, url.split(":")[0].split("+")[0]


def _setup() -> tuple[str, int]:
    """An organization, a contributor's scoped token, a deployment with 20 monitors and a
    dataset; the token and the dataset's id."""
    org = portfolio.create_organization("bench-ops", "Bench Ops")
    user = people.create_user("ops@example.com", "Ops", "a long bench password")
    people.set_membership(user, org, Role.CONTRIBUTOR)
    art = lineage_ops.ArtifactInput
    deployment = lineage_ops.register_artifact(
        org, user, ArtifactKind.DEPLOYMENT, art("bench", "api", environment=Environment.PRODUCTION)
    )
    dataset = lineage_ops.register_artifact(org, user, ArtifactKind.DATASET, art("bench", "rows"))
    for i in range(MONITORS):
        monitoring_ops.create_monitor(
            org,
            user,
            deployment,
            key=f"m{i}",
            name=f"Monitor {i}",
            signal=MonitorSignal.MODEL_PERFORMANCE,
            metric=f"metric_{i}",
            comparator=Comparator.AT_LEAST,
            threshold=0.5,
            dataset_id=dataset.id if i % 4 == 0 else None,
        )
    _row, token = people.create_token(user, org)
    db.session.commit()
    return token, dataset.id


def _batch(size: int, start: datetime, dataset_id: int, rng: random.Random) -> dict:
    items = []
    for i in range(size):
        at = (start + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
        value = rng.random() * 0.5 if rng.random() < 0.1 else 0.5 + rng.random() / 2
        if i % 5 == 4:
            item = {"artifact": dataset_id, "metric": f"metric_{4 * (i % 5)}"}
        else:
            item = {"monitor": f"m{i % MONITORS}"}
        items.append({**item, "value": round(value, 4), "observed_at": at})
    return {"observations": items}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()
    app, engine = _app(args.database_url)
    rng = random.Random(16)
    with app.app_context():
        token, dataset_id = _setup()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    start = datetime(2026, 12, 1, tzinfo=UTC)
    bodies = [
        _batch(args.batch, start + timedelta(hours=n), dataset_id, rng) for n in range(args.batches)
    ]
    client.post("/api/v1/orgs/bench-ops/observations", json=bodies[0], headers=headers)  # warm
    rates = []
    began = time.perf_counter()
    for n, body in enumerate(bodies):
        extra = {"Idempotency-Key": f"batch-{n}"} if n % 2 else {}
        t = time.perf_counter()
        response = client.post(
            "/api/v1/orgs/bench-ops/observations", json=body, headers={**headers, **extra}
        )
        elapsed = time.perf_counter() - t
        assert response.status_code == 201, response.get_json()
        rates.append(args.batch / elapsed)
    total = time.perf_counter() - began
    with app.app_context():
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
    overall = args.batch * args.batches / total
    print(
        f"observations [{engine}]: {args.batches} batches of {args.batch} "
        f"({stored} rows stored): median {statistics.median(rates):,.0f}/s, "
        f"slowest batch {min(rates):,.0f}/s, overall {overall:,.0f}/s "
        f"(target {TARGET:,}/s: {'met' if overall >= TARGET else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
