"""Issue 14 §1: one truth for an exit criterion's state, whatever page, figure or answer says it.

For every initiative and phase of the demo and of a generated data set (bench/synth.py, bulk
loaded past every flush hook), the state each place shows is compared with the truth: waived
through a decision; else, for a criterion a registered rule decides, that rule's result on the
data now; else met with evidence or open. The places: the initiative page (its "n/m criteria"),
the checkpoint pages, the portfolio's counts, "Overdue exit criteria" and "Waiting on you", the
organization page's attention counts, the dashboard's "Initiatives × phases" heatmap and
burndown (through the API, as the page embeds them), and the API's criteria of an initiative.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa

from bench import generate
from bench.synth import Sizes, build
from governance.dashboards import queries as dq
from governance.dashboards.figures import PHASE_NAMES
from governance.enums import CriterionStatus, PhaseStatus
from governance.gates.models import Checkpoint, ExitCriterion, Phase, StageGate
from governance.gates.queries import checkpoint_page
from governance.gates.rules import evaluate, evaluate_criteria, evaluates_per_criterion, load_rules
from governance.people.models import User
from governance.portfolio import queries as pq
from governance.portfolio.models import Initiative, Organization

ACTIVE = (PhaseStatus.IN_PROGRESS, PhaseStatus.IN_REVIEW)
OPEN, MET, WAIVED = "open", "met", "waived"


def truth(db: Any, today: date) -> dict[int, str]:
    """criterion id -> its state, the rules evaluated now (independently of what is kept)."""
    rules = load_rules()
    out: dict[int, str] = {}
    initiatives = {i.id: i for i in db.session.scalars(sa.select(Initiative))}
    rows = db.session.execute(
        sa.select(ExitCriterion, sa.func.coalesce(Phase.initiative_id, StageGate.initiative_id))
        .outerjoin(Phase, Phase.id == ExitCriterion.phase_id)
        .outerjoin(StageGate, StageGate.id == ExitCriterion.stage_gate_id)
    ).all()
    batch = [c for c, _ in rows if c.rule in rules and evaluates_per_criterion(c.rule)]
    per_criterion = evaluate_criteria(batch, today) if batch else {}
    per_rule: dict[tuple[str, int], bool] = {}
    for criterion, initiative_id in rows:
        if criterion.status == CriterionStatus.WAIVED:
            out[criterion.id] = WAIVED
        elif criterion.rule in rules and criterion.rule is not None:
            if criterion.id in per_criterion:
                passed = per_criterion[criterion.id].passed
            else:
                key = (criterion.rule, initiative_id)
                if key not in per_rule:
                    per_rule[key] = evaluate(
                        criterion.rule, initiatives[initiative_id], today
                    ).passed
                passed = per_rule[key]
            out[criterion.id] = MET if passed else OPEN
        else:
            out[criterion.id] = criterion.status.value
    return out


def _phases(db: Any) -> list[tuple[Phase, list[int]]]:
    phases = db.session.scalars(sa.select(Phase).order_by(Phase.initiative_id, Phase.position))
    criteria: dict[int, list[int]] = {}
    for cid, pid in db.session.execute(sa.select(ExitCriterion.id, ExitCriterion.phase_id)):
        if pid is not None:
            criteria.setdefault(pid, []).append(cid)
    return [(p, criteria.get(p.id, [])) for p in phases]


def check_every_place(app: Any, db: Any, token_for: Any, as_user: Any) -> None:
    today = date.today()
    admin = db.session.scalar(sa.select(User).where(User.is_admin).order_by(User.id))
    browser = as_user(admin)
    assert browser.get("/").status_code == 200  # evaluates what was bulk-loaded, and commits
    headers = token_for(admin)
    state = truth(db, today)
    phases = _phases(db)
    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))
    names = dict(db.session.execute(sa.select(Initiative.id, Initiative.name)).all())
    due = dict(db.session.execute(sa.select(ExitCriterion.id, ExitCriterion.due_on)).all())
    owner = dict(db.session.execute(sa.select(ExitCriterion.id, ExitCriterion.owner_id)).all())
    disagreements: list[str] = []

    def differ(where: str, shown: Any, expected: Any) -> None:
        if shown != expected:
            disagreements.append(f"{where}: shows {shown}, the truth is {expected}")

    active_open = {
        cid for p, ids in phases if p.status in ACTIVE for cid in ids if state[cid] == OPEN
    }
    overdue = {cid for cid in active_open if due[cid] is not None and due[cid] < today}
    org_of = dict(
        db.session.execute(sa.select(ExitCriterion.id, ExitCriterion.organization_id)).all()
    )
    for org in orgs:
        mine = {cid for cid in active_open if org_of[cid] == org.id}
        late = {cid for cid in overdue if org_of[cid] == org.id}
        summary = pq.organization_summaries([org], today)[0]
        differ(f"portfolio {org.slug} open", summary.open_criteria, len(mine))
        differ(f"portfolio {org.slug} overdue", summary.overdue_criteria, len(late))
        listed = {row.id for row in pq.overdue_criteria([org.id], today, limit=100_000)}
        differ(f"overdue list {org.slug}", sorted(listed), sorted(late))
        attention = dq.attention_by_organization([org.id], today)
        differ(
            f"attention {org.slug}", attention[0].overdue_criteria if attention else 0, len(late)
        )
        # The dashboard's heatmap and burndown, as the API serves the figures the page embeds.
        heatmap = browser.get(f"/api/v1/orgs/{org.slug}/dashboard/phase_heatmap", headers=headers)
        shown = Counter(tuple(row[:2] + row[3:]) for row in heatmap.json["table"]["rows"])
        expected = Counter(
            (
                names[p.initiative_id],
                PHASE_NAMES[p.position - 1],
                sum(1 for c in ids if state[c] != OPEN),
                len(ids),
            )
            for p, ids in phases
            if p.organization_id == org.id
        )
        differ(f"heatmap {org.slug}", shown - expected, expected - shown)
        burndown = browser.get(
            f"/api/v1/orgs/{org.slug}/dashboard/criteria_burndown", headers=headers
        )
        started = [
            c for p, ids in phases if p.organization_id == org.id and p.started_at for c in ids
        ]
        differ(
            f"burndown {org.slug} this week",
            burndown.json["table"]["rows"][-1][1:],
            [len(started), sum(1 for c in started if state[c] == OPEN)],
        )
    people = {owner[cid] for cid in active_open if owner[cid] is not None}
    for user_id in sorted(people):
        user = db.session.get(User, user_id)
        listed = {row.id for row in pq.criteria_waiting_on(user, None, limit=100_000)}
        expected = {cid for cid in active_open if owner[cid] == user_id}
        differ(f"waiting on {user.email}", sorted(listed), sorted(expected))
    slugs = {o.id: o.slug for o in orgs}
    of_gates: dict[int, dict[int, str]] = {}
    for cid, initiative_id in db.session.execute(
        sa.select(ExitCriterion.id, StageGate.initiative_id).join(
            StageGate, StageGate.id == ExitCriterion.stage_gate_id
        )
    ):
        of_gates.setdefault(initiative_id, {})[cid] = state[cid]
    for initiative in db.session.scalars(sa.select(Initiative).order_by(Initiative.id)):
        slug = slugs[initiative.organization_id]
        own = [(p, ids) for p, ids in phases if p.initiative_id == initiative.id]
        html = browser.get(f"/orgs/{slug}/initiatives/{initiative.id}").get_data(as_text=True)
        start = html.index('class="timeline"')
        timeline = html[start : html.index("</ol>", start)]
        counts = [tuple(map(int, m)) for m in re.findall(r"(\d+)/(\d+) criteria", timeline)]
        expected_counts = [(sum(1 for c in ids if state[c] != OPEN), len(ids)) for _p, ids in own]
        differ(f"initiative page {initiative.name}", counts, expected_counts)
        answer = browser.get(
            f"/api/v1/orgs/{slug}/initiatives/{initiative.id}/criteria", headers=headers
        )
        shown_api = (
            {item["id"]: item["status"] for item in answer.json["items"]}
            if answer.status_code == 200
            else {"answered": answer.status_code}
        )
        differ(
            f"API criteria {initiative.name}",
            shown_api,
            {cid: state[cid] for p, ids in own for cid in ids} | of_gates.get(initiative.id, {}),
        )
    for checkpoint in db.session.scalars(sa.select(Checkpoint).order_by(Checkpoint.id)):
        page = checkpoint_page(checkpoint, today)
        shown_states = {s.criterion.id: s.status.value for s in page.states}
        differ(
            f"checkpoint {checkpoint.id}",
            shown_states,
            {cid: state[cid] for cid in shown_states},
        )
    assert not disagreements, "\n".join(disagreements[:40])


SIZES = Sizes(2, 3, 20, 4, 2, 2, 1, 3, 50)


def test_every_place_agrees_on_the_demo_then_with_a_generated_data_set(
    demo_data, app, db, token_for, as_user
):
    """The demo (loaded through the operations), then two generated organizations added by
    bulk inserts that no flush hook sees: the first request evaluates them. One test, so the
    demo is loaded once."""
    check_every_place(app, db, token_for, as_user)
    ids = generate.next_ids()
    for org in generate._people(ids, 2):
        build(org, SIZES, ids, random.Random(org.slug))
        generate.insert_org(org)
    generate.fix_sequences()
    db.session.commit()
    check_every_place(app, db, token_for, as_user)
