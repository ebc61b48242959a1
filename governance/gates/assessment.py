"""Exit criteria as they stand now, read without changing anything.

An exit criterion counts as met when it was met with evidence, waived through a recorded
decision, or, for a criterion that names a registered rule, when that rule passes on the
tracked data right now. The review queue, the checkpoint and initiative pages and the
checkpoint operations all ask `assess`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from governance.enums import PHASE_TITLES, CriterionStatus
from governance.gates.models import ExitCriterion, Phase, StageGate
from governance.gates.rules import (
    RuleResult,
    evaluate,
    evaluate_criteria,
    evaluates_per_criterion,
    load_rules,
)
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
    """Every criterion's current state; each rule is evaluated once for the initiative.

    `only_rules_for` restricts rule evaluation to those criterion ids (the others count by their
    evidence), so an approval is compared with the facts it relied on. `known` carries results
    between calls for the same initiative within one request.
    """
    known = known if known is not None else RuleResults()
    waived = [c for c in criteria if c.status == CriterionStatus.WAIVED]
    ruled = [
        c
        for c in criteria
        if c.status != CriterionStatus.WAIVED
        and is_evaluated(c)
        and (only_rules_for is None or c.id in only_rules_for)
    ]
    # Parameterised criteria (KPI thresholds) in one batch per rule: a fixed number of queries.
    known.by_criterion.update(
        evaluate_criteria(
            [
                c
                for c in ruled
                if c.rule and evaluates_per_criterion(c.rule) and c.id not in known.by_criterion
            ]
        )
    )
    ruled_ids = {c.id for c in ruled}
    waived_ids = {c.id for c in waived}
    states = []
    for c in criteria:
        if c.id in waived_ids:
            states.append(CriterionState(c, CriterionStatus.WAIVED))
            continue
        if c.id in ruled_ids and c.rule:
            if c.id in known.by_criterion:
                result = known.by_criterion[c.id]
            else:
                if c.rule not in known.by_rule:
                    known.by_rule[c.rule] = evaluate(c.rule, initiative)
                result = known.by_rule[c.rule]
            status = CriterionStatus.MET if result.passed else CriterionStatus.OPEN
            states.append(CriterionState(c, status, result, evaluated=True))
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


def subject_of(phase: Phase | None, gate: StageGate | None, initiative: Initiative) -> str:
    """'the Governance phase of Parcel fraud scoring', in the users' words."""
    if phase is not None:
        return f"the {PHASE_TITLES[phase.kind]} phase of {initiative.name}"
    assert gate is not None
    return f"the promotion of {initiative.name} from {gate.from_stage} to {gate.to_stage}"
