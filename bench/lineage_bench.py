"""Lineage figures: OpenLineage ingestion rate and impact-query time on 10,000 artifacts.

    .venv/bin/python bench/lineage_bench.py                      # SQLite in a temporary file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_lineage \
        .venv/bin/python bench/lineage_bench.py                  # PostgreSQL (it is emptied!)

Ingestion goes through the real endpoint (test client: no network), one event per request,
as the official client sends them; each run is a START and a COMPLETE naming 2 inputs and
1 output. The impact query walks downstream from a source of a layered 10,000-artifact graph.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from governance import create_app
from governance.enums import ArtifactKind, EdgeKind
from governance.extensions import db
from governance.lineage.graph import Direction, reach_depths, subgraph
from governance.lineage.models import LineageArtifact, LineageEdge
from governance.people import operations as people
from governance.portfolio import operations as portfolio

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000"))
ARTIFACTS = 10_000


def _app():
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
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
    return app, url.split(":")[0]


def _event(run_id: str, state: str, at: datetime, i: int) -> dict:
    return {
        "eventType": state,
        "eventTime": at.isoformat(),
        "producer": "https://example.com/bench",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id},
        "job": {"namespace": "airflow", "name": f"job_{i % 50}"},
        "inputs": [{"namespace": "pg", "name": f"table_{(i + k) % 200}"} for k in range(2)],
        "outputs": [{"namespace": "s3", "name": f"out_{i % 100}"}],
    }


def ingestion(app) -> float:
    with app.app_context():
        org = portfolio.create_organization("bench", "Bench")
        user = people.create_user("bench@example.com", "Bench", "bench-password-1")
        people.set_membership(user, org, "contributor")
        _row, token = people.create_token(user, org)
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start = datetime(2026, 11, 1, tzinfo=UTC)
    bodies = []
    for i in range(EVENTS // 2):
        run_id = str(uuid.uuid4())
        bodies.append(json.dumps(_event(run_id, "START", start + timedelta(minutes=i), i)))
        bodies.append(
            json.dumps(_event(run_id, "COMPLETE", start + timedelta(minutes=i, seconds=30), i))
        )
    began = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/lineage", data=body, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    return len(bodies) / (time.perf_counter() - began)


def impact(app) -> tuple[float, float, int]:
    """A layered graph: 8 kinds x 1,250 artifacts, each with 2 edges to the next layer."""
    rng = random.Random(7)
    with app.app_context():
        org = portfolio.create_organization("bench-graph", "Bench graph")
        db.session.commit()
        kinds = list(ArtifactKind)
        per = ARTIFACTS // len(kinds)
        rows = [
            {
                "organization_id": org.id,
                "kind": kind.value,
                "node_type": "job" if kind == ArtifactKind.JOB else "dataset",
                "namespace": "bench",
                "name": f"{kind.value}_{i}",
                "version_tag": "",
                "owner": "",
                "data_classification": "internal",
                "description": "",
                "origin": "registered",
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
                "version": 1,
            }
            for kind in kinds
            for i in range(per)
        ]
        db.session.execute(sa.insert(LineageArtifact.__table__), rows)
        ids = db.session.scalars(
            sa.select(LineageArtifact.id)
            .where(LineageArtifact.organization_id == org.id)
            .order_by(LineageArtifact.id)
        ).all()
        layers = [ids[k * per : (k + 1) * per] for k in range(len(kinds))]
        edges = set()
        for upper, lower in zip(layers, layers[1:], strict=False):
            for source in upper:
                for target in rng.sample(lower, 2):
                    edges.add((source, target))
        for _ in range(200):  # a few back edges: cycles
            edges.add((rng.choice(layers[-1]), rng.choice(layers[0])))
        db.session.execute(
            sa.insert(LineageEdge.__table__),
            [
                {
                    "organization_id": org.id,
                    "source_id": s,
                    "target_id": t,
                    "kind": EdgeKind.FEEDS.value,
                    "origin": "registered",
                    "created_at": datetime.now(UTC),
                }
                for s, t in edges
            ],
        )
        db.session.commit()
        timings, reached = [], 0
        for source in rng.sample(layers[0], 10):
            began = time.perf_counter()
            reached = len(reach_depths(org.id, [source], Direction.DOWNSTREAM, 20))
            timings.append(time.perf_counter() - began)
        full = []
        for source in rng.sample(layers[0], 5):
            began = time.perf_counter()
            subgraph(org.id, [source], Direction.DOWNSTREAM, 20)
            full.append(time.perf_counter() - began)
        return statistics.median(timings) * 1000, statistics.median(full) * 1000, reached


def main() -> None:
    app, dialect = _app()
    rate = ingestion(app)
    print(f"[{dialect}] ingestion: {rate:.0f} events/s ({EVENTS} events, one per request)")
    walk_ms, page_ms, reached = impact(app)
    print(
        f"[{dialect}] impact on {ARTIFACTS} artifacts: downstream walk {walk_ms:.0f} ms median "
        f"({reached} reached, depth 20); with artifacts and edges loaded {page_ms:.0f} ms"
    )


if __name__ == "__main__":
    main()
