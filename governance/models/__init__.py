"""Every model, importable from one place."""

from governance.models.audit import AuditEvent
from governance.models.checkpoints import Checkpoint, StageGate
from governance.models.people import ApiToken, Membership, Organization, User
from governance.models.phases import ExitCriterion, Phase
from governance.models.portfolio import Engagement, Initiative, Program

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Engagement",
    "ExitCriterion",
    "Initiative",
    "Membership",
    "Organization",
    "Phase",
    "Program",
    "User",
    "Checkpoint",
    "StageGate",
]

from governance.models.decisions import Decision  # noqa: E402 — decision log

__all__ += ["Decision"]
