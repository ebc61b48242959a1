"""MTTD, MTTA and MTTR from SQL agree with the same means worked out by hand from the
incidents' events, on a seeded random history."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from governance.database import utcnow
from governance.enums import IncidentSource, Severity
from governance.extensions import db
from governance.incidents import metrics
from governance.incidents import operations as incident_ops
from governance.incidents.metrics import Filters


def _mean(values):
    return sum(values) / len(values) if values else None


def random_history(world, seed=7, count=60):
    """`count` incidents detected over the last 300 days with random delays; some never
    acknowledged, some still open, some resolved by the alerting system alone."""
    rng = random.Random(seed)
    org, users = world["org"], world["users"]
    people = [users["contributor"], users["leader"], None]
    now = utcnow()
    made = []
    for n in range(count):
        detected = now - timedelta(days=rng.uniform(1, 300), seconds=rng.randint(0, 86399))
        impact = detected - timedelta(minutes=rng.uniform(0, 600))
        incident = incident_ops.open_incident(
            org,
            rng.choice(people[:2]),
            title=f"Incident {n}",
            severity=rng.choice(list(Severity)),
            source=IncidentSource.PERSON,
            initiative=world["initiative"] if rng.random() < 0.5 else None,
            detected_at=detected,
            impact_started_at=impact,
        )
        acked = resolved = None
        if rng.random() < 0.7:
            acked = detected + timedelta(minutes=rng.uniform(0, 120))
            if acked < now:
                incident_ops.acknowledge(incident, rng.choice(people[:2]), acked)
            else:
                acked = None
        if rng.random() < 0.75:
            resolved = (acked or detected) + timedelta(minutes=rng.uniform(1, 2000))
            if resolved < now:
                # The alerting system resolves alone: no acknowledgement filled in.
                incident_ops.resolve(
                    incident, None if acked is None else rng.choice(people), resolved
                )
            else:
                resolved = None
        made.append((detected, impact, acked, resolved, incident.severity))
    db.session.commit()
    return made


def by_hand(made):
    months = defaultdict(lambda: {"d": [], "a": [], "r": []})
    for detected, impact, acked, resolved, _ in made:
        m = months[detected.strftime("%Y-%m")]
        m["d"].append((detected - impact).total_seconds() / 60)
        if acked:
            m["a"].append((acked - detected).total_seconds() / 60)
        if resolved:
            m["r"].append((resolved - detected).total_seconds() / 60)
    return {k: tuple(_mean(v[x]) for x in "dar") for k, v in months.items()}


def test_monthly_means_match_the_events_worked_out_by_hand(world):
    made = random_history(world)
    org = world["org"]
    since = utcnow() - timedelta(days=400)
    sql = metrics.times_by_month(org.id, since)
    expected = by_hand(made)
    assert set(sql) == set(expected)
    for month, (mttd, mtta, mttr) in expected.items():
        got = sql[month]
        assert got.mttd == pytest.approx(mttd, abs=0.01), month
        assert (got.mtta is None) == (mtta is None)
        if mtta is not None:
            assert got.mtta == pytest.approx(mtta, abs=0.01), month
        assert (got.mttr is None) == (mttr is None)
        if mttr is not None:
            assert got.mttr == pytest.approx(mttr, abs=0.01), month
    assert sum(t.incidents for t in sql.values()) == len(made)


def test_mttr_minutes_is_the_mean_over_resolved_incidents_detected_in_the_period(world):
    made = random_history(world, seed=11, count=30)
    org = world["org"]
    until = utcnow()
    since = until - timedelta(days=90)
    expected = _mean(
        [(r - d).total_seconds() / 60 for d, _, _, r, _ in made if r and since <= d < until]
    )
    assert metrics.mttr_minutes(org.id, since, until) == pytest.approx(expected, abs=0.01)
    assert metrics.mttr_by_organization([org.id, world["other"].id], since, until) == {
        org.id: metrics.mttr_minutes(org.id, since, until),
        world["other"].id: None,
    }
    headline = metrics.times(org.id, since, until)
    assert headline.mttr == metrics.mttr_minutes(org.id, since, until)
    assert headline.incidents == sum(1 for d, *_ in made if since <= d < until)


def test_no_incident_gives_no_mean_rather_than_zero(world):
    org = world["org"]
    now = utcnow()
    assert metrics.mttr_minutes(org.id, now - timedelta(days=90), now) is None
    empty = metrics.times(org.id, None, None)
    assert (empty.incidents, empty.mttd, empty.mtta, empty.mttr) == (0, None, None, None)
    assert metrics.open_by_severity([org.id]) == {org.id: {}}
    assert metrics.worst({}) is None


def test_severity_counts_open_incidents_and_the_initiative_filter(world):
    made = random_history(world, seed=3, count=40)
    org = world["org"]
    since = datetime(2000, 1, 1, tzinfo=UTC)
    counts = metrics.severity_by_month(org.id, since)
    hand = defaultdict(int)
    for detected, _, _, _, severity in made:
        hand[(detected.strftime("%Y-%m"), severity)] += 1
    assert counts == dict(hand)
    open_now = defaultdict(int)
    for _, _, _, resolved, severity in made:
        if resolved is None:
            open_now[severity] += 1
    assert metrics.open_by_severity([org.id])[org.id] == dict(open_now)
    assert metrics.worst(dict(open_now)) == min(open_now, key=list(Severity).index)
    one = metrics.times(org.id, None, None, Filters(initiative_id=world["initiative"].id))
    by_initiative = metrics.times_by(org.id, "initiative_id", None, None)
    assert by_initiative[world["initiative"].id] == one
    assert sum(t.incidents for t in by_initiative.values()) == len(made)
