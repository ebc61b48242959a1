"""Exit criteria evaluated from the tracked data.

A criterion may name a rule (`ExitCriterion.rule`) instead of waiting for manual evidence.
Each rule is a plain function of an initiative that returns what it checked (`Checked`: how
many records, and those that fail); the criterion is met while none fails. Adding a rule is a
small, local change: write a function in the module of its area and decorate it with
`@rule(...)`; `load_rules()` imports the modules so the registry is complete.

Two things every rule declares, so that a new rule cannot forget them:

- `when_empty`: what it answers when there is nothing to check. A rule over no record does
  not pass by default ("every model has lineage" over no model says nothing): it is open and
  says why (`open_when_empty("no model is registered yet")`), unless it is declared as one
  where nothing to check means done (`done_when_empty(...)`), and then its result says that.
  `judge` applies it, for the initiative rules and for the per-criterion ones alike.
- `params`: the numbers it uses (days, counts). Its title and the text of the criteria that
  name it are rendered from them (`render_text`), so the text and the rule cannot disagree.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from governance.gates.models import ExitCriterion
    from governance.portfolio.models import Initiative


import sqlalchemy as sa

from governance.enums import PHASE_TITLES
from governance.extensions import db
from governance.gates.models import Phase
from governance.portfolio.models import Initiative


@dataclass(frozen=True)
class RecordRef:
    """Which record a failure is about, so a page can link to it: rules name records, the web
    knows where they live (governance/web/links.py).

    `kind` is one of "lineage_artifact", "monitor", "incident" (key: its id), "decision" (key:
    its seq in the log),
    "missing_decision" (key: the initiative, detail: the kind of decision to record),
    "assessments" and "objectives" (key: the initiative whose page lists them).
    """

    kind: str
    key: int
    detail: str = ""


@dataclass(frozen=True)
class Failure:
    """One record that fails a rule, named so a person can find and fix it."""

    record: str
    reason: str
    about: RecordRef | None = None


@dataclass(frozen=True)
class WhenEmpty:
    """What a rule answers over nothing: `done` or open, and why, in the users' words."""

    done: bool
    reason: str


def open_when_empty(reason: str) -> WhenEmpty:
    """Nothing to check means the criterion is not met yet: `reason` says what is missing
    ("no model is registered yet")."""
    return WhenEmpty(False, reason)


def done_when_empty(reason: str) -> WhenEmpty:
    """Nothing to check means done, explicitly: `reason` says why that is enough."""
    return WhenEmpty(True, reason)


@dataclass(frozen=True)
class Checked:
    """What a rule function returns: how many records it checked, the ones that fail, and,
    for when it checked none, where the first record would be added (`fix`) and, optionally,
    a reason more precise than the rule's declared one (`nothing`)."""

    count: int
    failures: list[Failure] = field(default_factory=list)
    fix: RecordRef | None = None
    nothing: str = ""


@dataclass
class RuleResult:
    rule: str
    title: str
    passed: bool
    failures: list[Failure] = field(default_factory=list)
    # Set when the rule had nothing to check: `passed` then follows the rule's `when_empty`,
    # and `empty_reason` says why (shown as the summary).
    empty: bool = False
    empty_reason: str = ""
    checked: int | None = None
    # The last day this result holds with no change of data (a freshness window runs out the
    # day after); None: it holds until the data changes. Rules report it with `holds_until`.
    holds_until: date | None = None

    @property
    def summary(self) -> str:
        if self.empty:
            return f"{'Met' if self.passed else 'Open'}: {self.empty_reason}."
        if self.passed:
            return "Met: every record passes."
        count = len(self.failures)
        return f"{count} record{'s' if count != 1 else ''} fail{'s' if count == 1 else ''}."


RuleFunction = Callable[["Initiative", date], Checked]


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    check: RuleFunction
    when_empty: WhenEmpty
    params: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


RULES: dict[str, Rule] = {}

# Rules whose parameters live with each criterion (e.g. a KPI threshold): evaluated per criterion.
CriterionCheck = Callable[["ExitCriterion", date], RuleResult]


CRITERION_RULES: dict[str, CriterionCheck] = {}

# The same rules evaluated for many criteria at once (a fixed number of queries for a page).
CriteriaCheck = Callable[[list["ExitCriterion"], date], dict[int, RuleResult]]


CRITERION_BATCH_RULES: dict[str, CriteriaCheck] = {}


C = TypeVar("C", bound=Callable[..., RuleResult])


B = TypeVar("B", bound=Callable[..., dict[int, RuleResult]])


# Modules that define rules; each area adds its own module here.
RULE_MODULES = ["governance.gates.rules"]


RULE_MODULES.append("governance.lineage.rules")


RULE_MODULES.append("governance.maturity.rules")


RULE_MODULES.append("governance.decisions.rules")


RULE_MODULES.append("governance.monitoring.rules")


RULE_MODULES.append("governance.incidents.rules")


# Reach: how a change of a row reaches initiatives beyond the row's own (a lineage artifact, or
# an edge from it, reaches every initiative downstream). Table name -> function(ids of the
# changed rows of that table) -> initiative ids. Read by governance/gates/state.py.
Reach = Callable[[list[int]], set[int]]


REACHES: dict[str, Reach] = {}


def reaches(table: str) -> Callable[[Reach], Reach]:
    def register(find: Reach) -> Reach:
        REACHES[table] = find
        return find

    return register


# Rows that nearly every other row names (an organization, a person): a reference to one
# reaches nothing, but a change of some of its columns does (the organization's MTTR target,
# a person's account deactivated). Table -> (those columns, function(ids) -> initiative ids).
CHANGE_REACHES: dict[str, tuple[frozenset[str], Reach]] = {}


def reaches_when_changed(table: str, *columns: str) -> Callable[[Reach], Reach]:
    def register(find: Reach) -> Reach:
        CHANGE_REACHES[table] = (frozenset(columns), find)
        return find

    return register


_horizons: ContextVar[list[date] | None] = ContextVar("rule_horizons", default=None)


def holds_until(day: date | None) -> None:
    """Said by a rule that reads the date: its result (pass or fail) may change after `day`
    with no data change (a measurement leaves its window). The result kept for the criterion
    is evaluated again once `day` is past."""
    found = _horizons.get()
    if found is not None and day is not None:
        found.append(day)


@contextmanager
def _horizon() -> Iterator[list[date]]:
    days: list[date] = []
    token = _horizons.set(days)
    try:
        yield days
    finally:
        _horizons.reset(token)


def rule(
    name: str,
    title: str,
    *,
    when_empty: WhenEmpty,
    params: Mapping[str, int] | None = None,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule. `title` may name its `params` ("in the last {days} days"); `when_empty`
    is required: what the rule answers when there is nothing to check."""
    if not isinstance(when_empty, WhenEmpty) or not when_empty.reason.strip():
        raise TypeError(f"Rule {name!r}: say what it answers over nothing (when_empty).")
    fixed = MappingProxyType(dict(params or {}))

    def register(check: RuleFunction) -> RuleFunction:
        RULES[name] = Rule(name, title.format_map(fixed), check, when_empty, fixed)
        return check

    return register


def render_text(text: str, rule_name: str | None) -> str:
    """A criterion's text with its rule's parameters filled in ("in the last {days} days"):
    the seed catalog's texts are templates over the parameters of the rule they name."""
    found = load_rules().get(rule_name) if rule_name else None
    if found is None or not found.params:
        return text
    return text.format_map(found.params)


def judge(name: str, title: str, checked: Checked) -> RuleResult:
    """A rule's result from what it checked; over nothing, what the rule declared
    (`when_empty`). Every rule result is made here, so none can pass over nothing unnoticed."""
    if checked.count > 0 or checked.failures:
        return RuleResult(
            name, title, not checked.failures, list(checked.failures), checked=checked.count
        )
    when_empty = RULES[name].when_empty
    reason = checked.nothing or when_empty.reason
    # Open over nothing: one entry saying what is missing (and where to add it), so an open
    # result always names something to do.
    record = "Add the first one" if checked.fix is not None else "Nothing to check yet"
    failures = [] if when_empty.done else [Failure(record, reason, checked.fix)]
    return RuleResult(
        name, title, when_empty.done, failures, empty=True, empty_reason=reason, checked=0
    )


def criterion_rule(name: str) -> Callable[[C], C]:
    def register(check: C) -> C:
        CRITERION_RULES[name] = check
        return check

    return register


def criterion_batch_rule(name: str) -> Callable[[B], B]:
    def register(check: B) -> B:
        CRITERION_BATCH_RULES[name] = check
        return check

    return register


def evaluates_per_criterion(name: str) -> bool:
    load_rules()
    return name in CRITERION_RULES


def evaluate_criteria(
    criteria: list[ExitCriterion], today: date | None = None
) -> dict[int, RuleResult]:
    """Criterion id -> result for parameterised criteria: one batch per rule when it has one."""
    load_rules()
    today = today or date.today()
    by_rule: dict[str, list[ExitCriterion]] = {}
    for criterion in criteria:
        assert criterion.rule is not None
        by_rule.setdefault(criterion.rule, []).append(criterion)
    results: dict[int, RuleResult] = {}
    for name, group in by_rule.items():
        batch = CRITERION_BATCH_RULES.get(name)
        with _horizon() as days:
            if batch is not None:
                found = batch(group, today)
            else:
                found = {c.id: CRITERION_RULES[name](c, today) for c in group}
        for result in found.values():
            result.holds_until = _earliest(result.holds_until, *days)
        results.update(found)
    return results


def _earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def load_rules() -> dict[str, Rule]:
    for module in RULE_MODULES:
        importlib.import_module(module)
    return RULES


def evaluate(name: str, initiative: Initiative, today: date | None = None) -> RuleResult:
    load_rules()
    found = RULES.get(name)
    if found is None:
        return RuleResult(
            name, name, False, [Failure(name, "This rule is not known to this installation.")]
        )
    with _horizon() as days:
        checked = found.check(initiative, today or date.today())
    result = judge(name, found.title, checked)
    result.holds_until = _earliest(*days)
    return result


@rule(
    "every_phase_has_owner",
    "Every phase has a named owner",
    when_empty=open_when_empty("this initiative has no phases yet"),
)
def every_phase_has_owner(initiative: Initiative, today: date) -> Checked:
    owners = db.session.execute(
        sa.select(Phase.kind, Phase.owner_id)
        .where(Phase.initiative_id == initiative.id)
        .order_by(Phase.position)
    ).all()
    failures = [
        Failure(f"{PHASE_TITLES[kind]} phase", "has no owner")
        for kind, owner in owners
        if owner is None
    ]
    return Checked(len(owners), failures)
