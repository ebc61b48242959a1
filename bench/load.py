"""Load test: gunicorn with several workers, clients doing mixed traffic, then correctness checks.

    python -m bench.load --database-url sqlite:///bench/data/load.db [--seconds 60 --clients 16]
    make load                                  # SQLite (WAL) and PostgreSQL (bench_scale)

The database is emptied and the demo loaded (bench.generate, scale S). Each client signs in as a
browser does (CSRF token from the login form) and loops over: reading pages, marking exit
criteria met (evidence form), recording decisions (decision form) and posting OpenLineage
events (a token scoped to the organization, from `flask create-token --org`). It prints
requests/s and p50/p95/p99 latency, then checks that every acknowledged write is in the
database, that no response was a 5xx, and that `flask verify-log` accepts every chain.
Rate limits are off for the run (RATELIMIT_ENABLED=False in the app factory's config).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
ORG = "northwind-logistics"
USERS = ("leader@example.com", "pmo@example.com", "contributor@example.com")
PASSWORD = "demo-password"  # the demo's documented password


class FormFields(HTMLParser):
    """The fields a browser would submit from the first POST form: name -> value."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self._done:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields.setdefault(self._textarea or "", "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.fields.get("csrf_token"):
            self._done = True


def form_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


@dataclass
class Report:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    criteria_met: list[tuple[int, str]] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: requests.Response, elapsed: float, what: str) -> None:
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                self.server_errors.append(f"{what}: {response.status_code}")

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test-secret"}


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    app = 'governance:create_app({"RATELIMIT_ENABLED": False})'
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--timeout", "60", app]
    # No inherited stdout: a pipe reading this script's output must not wait on the server.
    server = subprocess.Popen(
        command, env=_env(url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # workers boot slowly on a busy 2-core machine
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                return server, base
        except requests.RequestException:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer /healthz")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def flask(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flask", "--app", "governance", *args]
    return subprocess.run(command, env=_env(url), cwd=ROOT, capture_output=True, text=True)


def targets(url: str) -> tuple[list[int], list[tuple[int, int]]]:
    """The organization's initiatives, and its open evidence-based criteria of current phases."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        org_id = conn.execute(sa.text("SELECT id FROM organization WHERE slug = :s"), {"s": ORG})
        oid = org_id.scalar_one()
        initiatives = list(
            conn.execute(
                sa.text("SELECT id FROM initiative WHERE organization_id = :o"), {"o": oid}
            ).scalars()
        )
        criteria = [
            (int(i), int(c))
            for c, i in conn.execute(
                sa.text(
                    "SELECT c.id, p.initiative_id FROM exit_criterion c JOIN phase p"
                    " ON p.id = c.phase_id WHERE c.organization_id = :o AND c.status = 'open'"
                    " AND c.rule IS NULL AND p.status <> 'complete' ORDER BY c.id"
                ),
                {"o": oid},
            )
        ]
    engine.dispose()
    return initiatives, criteria


class Client(threading.Thread):
    def __init__(self, n: int, base: str, token: str, report: Report, until: float, work: Any):
        super().__init__(daemon=True)
        self.n, self.base, self.token, self.report, self.until = n, base, token, report, until
        self.initiatives, self.criteria = work
        self.http = requests.Session()
        self.rng = random.Random(n)

    def call(self, what: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as error:
            with self.report.lock:
                self.report.server_errors.append(f"{what}: no answer ({error.__class__.__name__})")
            raise
        self.report.record(response, time.perf_counter() - started, what)
        return response

    def post_form(self, what: str, path: str, values: dict[str, str]) -> requests.Response:
        page = self.call(what, "GET", path)
        fields = {**form_fields(page.text), **values}
        return self.call(what, "POST", path, data=fields, allow_redirects=False)

    def run(self) -> None:
        try:
            self.loop()
        except requests.RequestException:
            return  # recorded as a problem by call()

    def loop(self) -> None:
        email = USERS[self.n % len(USERS)]
        self.post_form("login", "/login", {"email": email, "password": PASSWORD})
        while time.monotonic() < self.until:
            roll = self.rng.random()
            if roll < 0.6:
                self.read()
            elif roll < 0.75 and self.criteria:
                self.mark_met()
            elif roll < 0.9:
                self.record_decision()
            else:
                self.post_lineage()

    def read(self) -> None:
        initiative = self.rng.choice(self.initiatives)
        path = self.rng.choice(
            [
                "/",
                f"/orgs/{ORG}",
                f"/orgs/{ORG}/initiatives/{initiative}",
                f"/orgs/{ORG}/decisions",
                f"/orgs/{ORG}/lineage",
                f"/orgs/{ORG}/dashboard",
                "/reviews",
            ]
        )
        self.call("read", "GET", path)

    def mark_met(self) -> None:
        initiative, criterion = self.criteria.pop()
        marker = f"load-{self.n}-{uuid.uuid4().hex[:8]}"
        path = f"/orgs/{ORG}/initiatives/{initiative}/criteria/{criterion}/evidence"
        response = self.post_form("mark met", path, {"evidence_text": marker})
        if response.status_code == 302:
            with self.report.lock:
                self.report.criteria_met.append((criterion, marker))

    def record_decision(self) -> None:
        title = f"Load decision {self.n}-{uuid.uuid4().hex[:10]}"
        values = {"title": title, "context": "Load test.", "decision": "Proceed."}
        response = self.post_form("record decision", f"/orgs/{ORG}/decisions/new", values)
        if response.status_code == 302:
            with self.report.lock:
                self.report.decisions.append(title)

    def post_lineage(self) -> None:
        run_id = str(uuid.uuid4())
        event = {
            "eventType": "COMPLETE",
            "eventTime": datetime.now(UTC).isoformat(),
            "producer": "https://example.com/load",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": run_id},
            "job": {"namespace": "load", "name": f"job_{self.rng.randrange(20)}"},
            "inputs": [{"namespace": "load", "name": f"table_{self.rng.randrange(50)}"}],
            "outputs": [{"namespace": "load", "name": f"out_{self.rng.randrange(20)}"}],
        }
        headers = {"Authorization": f"Bearer {self.token}"}
        response = self.call("lineage", "POST", "/api/v1/lineage", json=event, headers=headers)
        if response.status_code == 201:
            with self.report.lock:
                self.report.runs.append(run_id)


def run_load(url: str, seconds: float, clients: int, workers: int) -> Report:
    token = flask(url, "create-token", "contributor@example.com", "--org", ORG).stdout.strip()
    initiatives, criteria = targets(url)
    server, base = start_server(url, workers)
    report = Report()
    try:
        until = time.monotonic() + seconds
        shares = [criteria[n::clients] for n in range(clients)]  # no two clients on one
        threads = [
            Client(n, base, token, report, until, (initiatives, shares[n])) for n in range(clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report.seconds = time.perf_counter() - started
    finally:
        stop_server(server)
    return report


def check(url: str, report: Report) -> list[str]:
    """Every problem found after the run; empty when all is well."""
    problems = list(report.server_errors[:20])
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for criterion, marker in report.criteria_met:
            row = conn.execute(
                sa.text("SELECT status, evidence_text FROM exit_criterion WHERE id = :i"),
                {"i": criterion},
            ).one()
            if row.status != "met" or row.evidence_text != marker:
                problems.append(f"criterion {criterion} acknowledged but not met as sent")
        titles = set(conn.execute(sa.text("SELECT title FROM decision")).scalars())
        problems += [
            f"decision {t!r} acknowledged but missing" for t in report.decisions if t not in titles
        ]
        runs = set(conn.execute(sa.text("SELECT run_uuid FROM lineage_event")).scalars())
        problems += [
            f"lineage run {r} acknowledged but missing" for r in report.runs if r not in runs
        ]
    engine.dispose()
    verified = flask(url, "verify-log")
    if verified.returncode != 0:
        problems.append(f"verify-log failed: {verified.stdout[-500:]} {verified.stderr[-500:]}")
    return problems


def main() -> int:
    from bench.generate import generate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    database = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
    generate("S", args.database_url)
    report = run_load(args.database_url, args.seconds, args.clients, args.workers)
    problems = check(args.database_url, report)
    total = len(report.latencies)
    print(
        f"[{database}] {args.clients} clients, {args.workers} gunicorn workers, "
        f"{report.seconds:.0f} s: {total} requests, {total / report.seconds:.1f} req/s; "
        f"p50 {report.percentile(0.5):.0f} ms, p95 {report.percentile(0.95):.0f} ms, "
        f"p99 {report.percentile(0.99):.0f} ms"
    )
    print(
        f"  statuses {dict(sorted(report.statuses.items()))}; acknowledged writes: "
        f"{len(report.criteria_met)} criteria met, {len(report.decisions)} decisions, "
        f"{len(report.runs)} OpenLineage events"
    )
    print("  checks: " + ("all passed" if not problems else "; ".join(problems[:10])))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
