"""What the incident page offers, step by step: the state rules `incidents.operations`
enforces, asked before the action (`permissions.offer`), so a disabled button says why in the
words the operation would refuse with.

A step (`IncidentStep`) is what `offer` is asked about: the incident and the action's name,
since acknowledging, resolving and noting all need the same right (contribute) but not the
same state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.enums import IncidentStatus
from governance.incidents.models import Incident
from governance.people.models import User
from governance.permissions import Action, not_now

# Each step and the right it needs: the review and the report are decisions in the log.
STEPS: dict[str, Action] = {
    "acknowledge": Action.CONTRIBUTE,
    "mitigate": Action.CONTRIBUTE,
    "resolve": Action.CONTRIBUTE,
    "severity": Action.CONTRIBUTE,
    "rollback": Action.CONTRIBUTE,
    "note": Action.CONTRIBUTE,
    "serious": Action.CONTRIBUTE,
    "review": Action.PROPOSE_DECISION,
    "report": Action.PROPOSE_DECISION,
}


@dataclass(frozen=True)
class IncidentStep:
    incident: Incident
    name: str

    @property
    def organization_id(self) -> int:
        return self.incident.organization_id


def why_not(incident: Incident, step: str) -> str | None:
    """Why `step` cannot be taken on the incident now, or None."""
    status = incident.status
    resolved = status == IncidentStatus.RESOLVED
    if step == "acknowledge" and status != IncidentStatus.OPEN:
        return "This incident is resolved." if resolved else "Already acknowledged."
    if step == "mitigate" and status in (IncidentStatus.MITIGATED, IncidentStatus.RESOLVED):
        return "This incident is resolved." if resolved else "Already mitigated."
    if step == "resolve" and resolved:
        return "This incident is already resolved."
    if step == "rollback" and incident.deployment_id is None:
        return "This incident names no deployment to roll back."
    if step == "serious" and incident.reported_at is not None:
        return "The report to the authority is already recorded."
    if step == "review" and not resolved:
        return "Review the incident once it is resolved."
    if step == "report":
        if incident.serious_kind is None:
            return "Mark it as a serious incident first."
        if incident.reported_at is not None:
            return "This incident's report is already recorded."
    return None


def _check(user: User, subject: Any) -> str | None:
    if not isinstance(subject, IncidentStep):
        return None
    return why_not(subject.incident, subject.name)


not_now(Action.CONTRIBUTE)(_check)
not_now(Action.PROPOSE_DECISION)(_check)
