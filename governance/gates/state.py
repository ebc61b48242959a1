"""One truth for an exit criterion's state: its registered rule's result, kept on the criterion.

The state itself is defined once, as `ExitCriterion.state` (governance/gates/models.py): waived
through a decision; else the registered rule's result; else met with evidence, or open. Every
page, figure, count and API answer reads that expression, in SQL or on the loaded row.

This module keeps the rule's part of it true:

- every flush notes which initiatives its rows may change the rules of (a row with an
  `initiative_id`, a row pointing at one, now or before the flush, and what a rule module says
  a change reaches: `rules.reaches`, e.g. everything downstream of a lineage edge, and
  `rules.reaches_when_changed`, e.g. every initiative of an organization whose MTTR target
  changed);
- before the transaction commits (or before `assess` reads, in the middle of an operation),
  those initiatives' rules are evaluated and their results written on their criteria, in the
  same transaction: a page never reads a result older than the data it was computed from;
- a rule that reads the date says until when its result holds (`rules.holds_until`); once that
  day is past, the next request evaluates it again (`refresh_expired`), and so does a row that
  was never evaluated (bulk-loaded, or from before migration 0010: it starts expired).

Results are written with a plain UPDATE: they are derived facts, not an edit, so they bump no
optimistic-locking version (nobody's open form goes stale) and write no audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from governance import rollups
from governance.database import utcnow
from governance.extensions import db
from governance.gates.models import ExitCriterion, Phase, StageGate
from governance.gates.rules import (
    CHANGE_REACHES,
    REACHES,
    Failure,
    RecordRef,
    RuleResult,
    evaluate,
    evaluate_criteria,
    evaluates_per_criterion,
    load_rules,
)
from governance.portfolio.models import Initiative

# session.info keys: rows flushed since the last evaluation, as (table, id); the initiatives
# they changed -> the criteria evaluated since (an operation assesses one gate: only its
# criteria are evaluated then, the others at commit); and a guard.
_NOTED = "governance.criteria.noted"
_CHANGED = "governance.criteria.changed"
_SETTLING = "governance.criteria.settling"


# ---- the stored result, as a RuleResult ---------------------------------------------------


def _failure_json(failure: Failure) -> dict[str, Any]:
    about = failure.about
    return {
        "record": failure.record,
        "reason": failure.reason,
        "about": None
        if about is None
        else {"kind": about.kind, "key": about.key, "detail": about.detail},
    }


def stored_result(criterion: ExitCriterion) -> RuleResult | None:
    """The rule's result kept on the criterion, or None when no registered rule decides it."""
    if criterion.rule_passed is None:
        return None
    kept = criterion.rule_result or {}
    failures = [
        Failure(f["record"], f["reason"], RecordRef(**f["about"]) if f.get("about") else None)
        for f in kept.get("failures", [])
    ]
    return RuleResult(
        criterion.rule or "",
        kept.get("title", criterion.title),
        bool(criterion.rule_passed),
        failures,
        empty=bool(kept.get("empty", False)),
        empty_reason=kept.get("empty_reason", ""),
        checked=kept.get("checked"),
        holds_until=criterion.rule_holds_until,
    )


# ---- which initiatives a flush may change ------------------------------------------------


def _references(obj: Any) -> set[tuple[str, int]]:
    """(table, id) of the rows a change of `obj` may change a rule about."""
    table = getattr(obj, "__table__", None)
    if table is None:
        return set()
    found: set[tuple[str, int]] = set()
    if table.name == "initiative" and isinstance(obj.id, int):
        found.add(("initiative", obj.id))
    if table.name in REACHES and isinstance(obj.id, int):
        found.add((table.name, obj.id))
    on_change = CHANGE_REACHES.get(table.name)
    if on_change is not None and isinstance(obj.id, int) and _changed(obj, on_change[0]):
        found.add((_CHANGE + table.name, obj.id))
    for fk in table.foreign_keys:
        target = fk.column.table
        if target.name == "initiative" or "initiative_id" in target.c or target.name in REACHES:
            # The row it names now and the one it named before (an incident moved to another
            # deployment changes the rules of both).
            for value in (getattr(obj, fk.parent.key, None), *_before(obj, fk.parent.key)):
                if isinstance(value, int):
                    found.add((target.name, value))
    return found


# Noted as (_CHANGE + table, id): a change of the columns `rules.CHANGE_REACHES` names.
_CHANGE = "changed:"


def _changed(obj: Any, columns: frozenset[str]) -> bool:
    """Whether this flush changes one of `columns` of `obj` (attribute history is still there
    after the flush)."""
    attrs = sa.inspect(obj).attrs
    return any(name in attrs and attrs[name].history.has_changes() for name in columns)


def _before(obj: Any, key: str) -> tuple[Any, ...]:
    """The values `key` had before this flush changed it."""
    attrs = sa.inspect(obj).attrs
    return tuple(attrs[key].history.deleted) if key in attrs else ()


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # A deleted row's reach is walked while the row (and its edges) still exist.
    deleted = [o for o in session.deleted if getattr(o, "__tablename__", "") in REACHES]
    if deleted:
        load_rules()
        by_table: dict[str, list[int]] = defaultdict(list)
        for obj in deleted:
            by_table[obj.__tablename__].append(obj.id)
        noted = session.info.setdefault(_NOTED, set())
        for name, ids in by_table.items():
            noted.update(("initiative", i) for i in REACHES[name](ids))


def _after_flush(session: Session, _context: Any) -> None:
    noted: set[tuple[str, int]] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        noted |= _references(obj)
    if noted:
        session.info.setdefault(_NOTED, set()).update(noted)


def _initiatives_of(
    session: Session, noted: Iterable[tuple[str, int]], follow_reach: bool = True
) -> set[int]:
    """The initiatives noted rows belong to; with `follow_reach`, also those a rule module says
    they reach (walked through `db.session`, so only for the app's own session)."""
    load_rules()
    by_table: dict[str, set[int]] = defaultdict(set)
    for name, row_id in noted:
        by_table[name].add(row_id)
    found = set(by_table.pop("initiative", set()))
    for name in [n for n in by_table if n.startswith(_CHANGE)]:
        ids = by_table.pop(name)
        if follow_reach:
            found |= CHANGE_REACHES[name.removeprefix(_CHANGE)][1](sorted(ids))
    for name, ids in by_table.items():
        table = db.metadata.tables[name]
        if "initiative_id" in table.c:
            rows = session.execute(
                sa.select(table.c.initiative_id).where(table.c.id.in_(sorted(ids)))
            )
            found.update(i for (i,) in rows if i is not None)
        reach = REACHES.get(name) if follow_reach else None
        if reach is not None:
            found |= reach(sorted(ids))
    return found


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release is not the commit
        return
    if _is_app_session(session):
        settle(session)
    else:
        _mark_expired(session)


def _is_app_session(session: Session) -> bool:
    """The rules read `db.session`: only its own changes can be evaluated in its transaction."""
    try:
        return db.session.registry.has() and db.session() is session
    except RuntimeError:  # no application context: a script's or a thread's own session
        return False


def _mark_expired(session: Session) -> None:
    """Another session (a script, a thread) changed what rules read: its initiatives' results
    are marked due in its transaction, and the next request evaluates them."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit flushes after this hook: note what it will write now
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    ids = _initiatives_of(session, noted, follow_reach=False)
    if not ids:
        return
    table = ExitCriterion.__table__
    phases = sa.select(Phase.id).where(Phase.initiative_id.in_(sorted(ids)))
    gates = sa.select(StageGate.id).where(StageGate.initiative_id.in_(sorted(ids)))
    session.execute(
        table.update()
        .where(sa.or_(table.c.phase_id.in_(phases), table.c.stage_gate_id.in_(gates)))
        .values(rule_holds_until=date(1970, 1, 1), updated_at=table.c.updated_at)
    )


def _after_transaction_end(session: Session, transaction: Any) -> None:
    # Committed (and so evaluated) or rolled back (and so never written): nothing is owed.
    if transaction.parent is None:
        session.info.pop(_NOTED, None)
        session.info.pop(_CHANGED, None)


def install(session_class: Any) -> None:
    load_rules()  # every rule module's reach is known before the first flush
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


# ---- evaluating and keeping the results --------------------------------------------------


def settle(
    session: Session | None = None,
    today: date | None = None,
    initiative_id: int | None = None,
    criterion_ids: Iterable[int] | None = None,
) -> None:
    """Evaluate the rules of the initiatives this transaction changed, and keep the results.

    With `initiative_id` and `criterion_ids`, only those criteria (the gate an operation is
    about to judge): the initiative's other criteria are evaluated at commit.
    """
    session = session if session is not None else db.session()
    if session.info.get(_SETTLING):
        return
    session.info[_SETTLING] = True
    try:
        for _round in range(10):  # writing results flushes nothing new; a bound all the same
            if session.new or session.dirty or session.deleted:
                session.flush()
            noted = session.info.pop(_NOTED, None)
            changed: dict[int, set[int]] = session.info.setdefault(_CHANGED, {})
            if noted:
                changed.update({i: set() for i in _initiatives_of(session, noted)})
            if initiative_id is not None:
                done = changed.get(initiative_id)
                if done is None:
                    break
                wanted = set(criterion_ids or ()) - done
                if wanted:
                    evaluate_initiatives([initiative_id], today, session, only=wanted)
                    done |= wanted
                if not session.info.get(_NOTED):
                    break
                continue
            if not changed:
                break
            session.info[_CHANGED] = {}
            skip = {c for done in changed.values() for c in done}
            evaluate_initiatives(list(changed), today, session, skip=skip)
    finally:
        session.info.pop(_SETTLING, None)


def _criteria_of(session: Session, initiative_ids: list[int]) -> list[tuple[ExitCriterion, int]]:
    phases = sa.select(ExitCriterion, Phase.initiative_id).join(
        Phase, Phase.id == ExitCriterion.phase_id
    )
    gates = sa.select(ExitCriterion, StageGate.initiative_id).join(
        StageGate, StageGate.id == ExitCriterion.stage_gate_id
    )
    rows: list[tuple[ExitCriterion, int]] = []
    for query, column in ((phases, Phase.initiative_id), (gates, StageGate.initiative_id)):
        found = session.execute(query.where(column.in_(initiative_ids)).order_by(ExitCriterion.id))
        rows.extend((criterion, initiative_id) for criterion, initiative_id in found)
    return rows


def live_results(
    criteria: list[tuple[ExitCriterion, int]], initiatives: dict[int, Initiative], today: date
) -> dict[int, RuleResult]:
    """Criterion id -> its registered rule's result now: each rule once per initiative, the
    per-criterion rules (KPI thresholds) in one batch."""
    load_rules()
    ruled = [(c, i) for c, i in criteria if c.rule and c.rule in load_rules()]
    results = evaluate_criteria(
        [c for c, _i in ruled if c.rule and evaluates_per_criterion(c.rule)], today
    )
    by_rule: dict[tuple[str, int], RuleResult] = {}
    for criterion, initiative_id in ruled:
        if criterion.id in results or not criterion.rule:
            continue
        key = (criterion.rule, initiative_id)
        if key not in by_rule:
            by_rule[key] = evaluate(criterion.rule, initiatives[initiative_id], today)
        results[criterion.id] = by_rule[key]
    return results


def evaluate_initiatives(
    initiative_ids: Iterable[int],
    today: date | None = None,
    session: Session | None = None,
    only: set[int] | None = None,
    skip: set[int] | None = None,
) -> int:
    """Evaluate every criterion's rule for these initiatives now (`only` some criteria, or
    `skip` some) and keep the results; returns how many criteria changed."""
    session = session if session is not None else db.session()
    ids = sorted(set(initiative_ids))
    if not ids:
        return 0
    today = today or date.today()
    criteria = [
        (c, i)
        for c, i in _criteria_of(session, ids)
        if (only is None or c.id in only) and (skip is None or c.id not in skip)
    ]
    initiatives = {
        i.id: i for i in session.scalars(sa.select(Initiative).where(Initiative.id.in_(ids)))
    }
    results = live_results(criteria, initiatives, today)
    now = utcnow()
    rows = []
    for criterion, _initiative_id in criteria:
        result = results.get(criterion.id)
        values = _kept(criterion, result, today, now)
        unchanged = all(getattr(criterion, k) == v for k, v in values.items() if k != "since")
        if unchanged and criterion.rule_checked_on is not None:
            continue
        rows.append({"b_id": criterion.id, **{f"b_{k}": v for k, v in values.items()}})
    if rows:
        table = ExitCriterion.__table__
        session.connection().execute(
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values(
                rule_passed=sa.bindparam("b_rule_passed"),
                rule_result=sa.bindparam("b_rule_result"),
                rule_holds_until=sa.bindparam("b_rule_holds_until"),
                rule_passing_since=sa.bindparam("b_rule_passing_since"),
                rule_checked_on=sa.bindparam("b_since"),
                # A derived fact, not an edit of the record.
                updated_at=table.c.updated_at,
            ),
            rows,
        )
        # The organizations' roll-ups (portfolio counts, figures) count these states.
        written = {r["b_id"] for r in rows}
        rollups.renew(
            session.connection(), {c.organization_id for c, _i in criteria if c.id in written}
        )
        # The criteria loaded in this session read the results just written.
        session.execute(
            sa.select(ExitCriterion)
            .where(ExitCriterion.id.in_([r["b_id"] for r in rows]))
            .execution_options(populate_existing=True)
        ).all()
    return len(rows)


def _kept(
    criterion: ExitCriterion, result: RuleResult | None, today: date, now: Any
) -> dict[str, Any]:
    """The columns that keep `result` on the criterion (all None: no registered rule)."""
    if result is None:
        return {
            "rule_passed": None,
            "rule_result": None,
            "rule_holds_until": None,
            "rule_passing_since": None,
            "since": today,
        }
    holds = result.holds_until
    if holds is not None and holds < today:
        holds = today  # a horizon already past: evaluate again tomorrow
    since = None
    if result.passed:
        since = criterion.rule_passing_since if criterion.rule_passed else now
    return {
        "rule_passed": result.passed,
        "rule_result": {
            "title": result.title,
            "failures": [_failure_json(f) for f in result.failures],
            "empty": result.empty,
            "empty_reason": result.empty_reason,
            "checked": result.checked,
        },
        "rule_holds_until": holds,
        "rule_passing_since": since,
        "since": today,
    }


def refresh_expired(today: date | None = None) -> bool:
    """Evaluate again the criteria whose result's time is up (or that were never evaluated):
    one indexed query when there are none. Returns whether anything was evaluated; the caller
    commits."""
    today = today or date.today()
    initiative = sa.func.coalesce(Phase.initiative_id, StageGate.initiative_id)
    rows = db.session.execute(
        sa.select(initiative, ExitCriterion.organization_id)
        .select_from(ExitCriterion)
        .outerjoin(Phase, Phase.id == ExitCriterion.phase_id)
        .outerjoin(StageGate, StageGate.id == ExitCriterion.stage_gate_id)
        .where(ExitCriterion.rule_holds_until < today)
        .distinct()
    ).all()
    if not rows:
        return False
    # The organizations' data versions first: a writer of the same organization waits on
    # them, so the rules below read its committed data, never what it is about to change.
    rollups.renew(db.session.connection(), {org_id for _i, org_id in rows})
    evaluate_initiatives([i for i, _org in rows], today)
    return True


def all_initiative_ids() -> list[int]:
    return list(db.session.scalars(sa.select(Initiative.id).order_by(Initiative.id)))


def differences(initiative_ids: list[int], today: date | None = None) -> list[str]:
    """Criteria whose kept result is not what their rule says now, in words (nothing written):
    what `flask --app governance refresh-criteria --check` reports."""
    today = today or date.today()
    session = db.session()
    criteria = _criteria_of(session, initiative_ids)
    initiatives = {
        i.id: i
        for i in session.scalars(sa.select(Initiative).where(Initiative.id.in_(initiative_ids)))
    }
    results = live_results(criteria, initiatives, today)
    found = []
    for criterion, initiative_id in criteria:
        result = results.get(criterion.id)
        now = None if result is None else result.passed
        if criterion.rule_passed != now:
            found.append(
                f"{initiatives[initiative_id].name}: “{criterion.title}” is kept as "
                f"{_word(criterion.rule_passed)}, its rule says {_word(now)}"
            )
    return found


def _word(passed: bool | None) -> str:
    return {True: "passing", False: "failing", None: "not evaluated"}[passed]


def rule_results(initiative: Initiative, names: list[str]) -> dict[str, RuleResult]:
    """These rules' results for the initiative as its criteria keep them (what its gates
    show), in one query; a rule that no criterion of it names is evaluated now."""
    kept = db.session.scalars(
        sa.select(ExitCriterion)
        .outerjoin(Phase, Phase.id == ExitCriterion.phase_id)
        .outerjoin(StageGate, StageGate.id == ExitCriterion.stage_gate_id)
        .where(
            ExitCriterion.organization_id == initiative.organization_id,
            ExitCriterion.rule.in_(names),
            sa.or_(Phase.initiative_id == initiative.id, StageGate.initiative_id == initiative.id),
        )
        .order_by(ExitCriterion.id)
    )
    found: dict[str, RuleResult] = {}
    for criterion in kept:
        result = stored_result(criterion)
        if result is not None and criterion.rule is not None:
            found.setdefault(criterion.rule, result)
    return {name: found.get(name) or evaluate(name, initiative) for name in names}
