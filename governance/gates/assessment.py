"""Exit criteria as they stand now, read without changing anything.

An exit criterion counts as met when it was met with evidence, waived through a recorded
decision, or, for a criterion that names a registered rule, when that rule passes on the
tracked data. That state is defined once, `ExitCriterion.state`, and the rule's result is kept
on the criterion (governance/gates/state.py): the checkpoint and initiative pages and the
checkpoint operations ask `assess`, the portfolio, organization page, dashboards and API read
the same column in SQL, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from governance.enums import PHASE_TITLES, CriterionStatus
from governance.gates.models import ExitCriterion, Phase, StageGate
from governance.gates.rules import RuleResult, load_rules
from governance.gates.state import settle, stored_result
from governance.portfolio.models import Initiative


@dataclass
class CriterionState:
    """An exit criterion as it stands now: stored status, or its rule's live result."""

    criterion: ExitCriterion
    status: CriterionStatus
    result: RuleResult | None = None  # set for evaluated criteria
    evaluated: bool = False  # False for a rule this installation does not know (evidence counts)

    @property
    def is_open(self) -> bool:
        return self.status == CriterionStatus.OPEN


def is_evaluated(criterion: ExitCriterion) -> bool:
    """Does a registered rule decide this criterion (rather than evidence)?"""
    return bool(criterion.rule) and criterion.rule in load_rules()


@dataclass
class RuleResults:
    """Rule results already known for one initiative, now: a page that assesses the same
    criteria several times (its gates, then each approval against the facts it relied on)
    evaluates each rule once."""

    by_rule: dict[str, RuleResult] = field(default_factory=dict)
    by_criterion: dict[int, RuleResult] = field(default_factory=dict)


def assess(
    criteria: list[ExitCriterion],
    initiative: Initiative,
    only_rules_for: set[int] | None = None,
    known: RuleResults | None = None,
) -> list[CriterionState]:
    """Every criterion's state, as kept on it (`ExitCriterion.state`, governance/gates/state.py):
    the same truth every list, count and figure reads. This transaction's own changes are
    evaluated first.

    `only_rules_for` counts the other criteria by their evidence alone, so an approval is
    compared with the facts it relied on. `known` is accepted for callers that still pass it:
    nothing is evaluated here any more.
    """
    settle(initiative_id=initiative.id, criterion_ids=[c.id for c in criteria])
    states = []
    for c in criteria:
        result = stored_result(c)
        if c.status == CriterionStatus.WAIVED:
            states.append(CriterionState(c, CriterionStatus.WAIVED))
        elif result is not None and (only_rules_for is None or c.id in only_rules_for):
            states.append(CriterionState(c, c.state, result, evaluated=True))
        elif only_rules_for is None:
            states.append(CriterionState(c, c.state))
        else:
            states.append(CriterionState(c, c.status))
    return states


def open_criteria_message(states: list[CriterionState]) -> str | None:
    """'2 exit criteria are still open: A; B', or None when every criterion is met or waived."""
    still_open = [s.criterion.title for s in states if s.is_open]
    if not still_open:
        return None
    count = len(still_open)
    verb = "exit criterion is" if count == 1 else "exit criteria are"
    return f"{count} {verb} still open: {'; '.join(still_open)}"


def criteria_open(titles: list[str], *, named: bool = False) -> str | None:
    """'3 criteria open', or with `named` '1 criterion open: A' (the reason a control is
    disabled), or None when none is open."""
    if not titles:
        return None
    count = len(titles)
    text = f"{count} criteri{'on' if count == 1 else 'a'} open"
    return f"{text}: {'; '.join(titles)}" if named else text


def subject_of(phase: Phase | None, gate: StageGate | None, initiative: Initiative) -> str:
    """'the Governance phase of Parcel fraud scoring', in the users' words."""
    if phase is not None:
        return f"the {PHASE_TITLES[phase.kind]} phase of {initiative.name}"
    assert gate is not None
    return f"the promotion of {initiative.name} from {gate.from_stage} to {gate.to_stage}"
