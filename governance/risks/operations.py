"""The AI risk register."""

from __future__ import annotations

from typing import Any

from governance.enums import RiskCategory, RiskStatus
from governance.errors import DomainError, check_version
from governance.extensions import db
from governance.people.models import User
from governance.permissions import Action, require
from governance.portfolio.models import Initiative, Organization
from governance.risks.models import Risk

REFUSAL = "Your role in this organization does not allow changing its risk register."

RISK_FIELDS = [
    "title",
    "description",
    "category",
    "likelihood",
    "impact",
    "owner_id",
    "mitigation",
    "status",
    "initiative_id",
]


def _check(org: Organization, changes: dict[str, Any]) -> None:
    from governance.portfolio.operations import _member_of

    if not (changes.get("title") or "").strip():
        raise DomainError("Give the risk a title.", field="title")
    for name in ("likelihood", "impact"):
        value = changes.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise DomainError(f"The {name} is a number from 1 to 5.", field=name)
    _member_of(org, changes.get("owner_id"), "owner_id")
    initiative_id = changes.get("initiative_id")
    if initiative_id is not None:
        initiative = db.session.get(Initiative, initiative_id)
        if initiative is None or initiative.organization_id != org.id:
            raise DomainError("Choose an initiative of this organization.", field="initiative_id")
    status = changes.get("status", RiskStatus.OPEN)
    if (
        status in (RiskStatus.MITIGATING, RiskStatus.CLOSED)
        and not (changes.get("mitigation") or "").strip()
    ):
        raise DomainError(
            "Describe the mitigation before marking the risk as mitigating or closed.",
            field="mitigation",
        )


def create_risk(
    org: Organization,
    by: User,
    *,
    title: str,
    category: RiskCategory,
    likelihood: int,
    impact: int,
    description: str = "",
    owner_id: int | None = None,
    mitigation: str = "",
    status: RiskStatus = RiskStatus.OPEN,
    initiative_id: int | None = None,
) -> Risk:
    require(by, Action.CONTRIBUTE, org, REFUSAL)
    changes = dict(
        title=title,
        category=category,
        likelihood=likelihood,
        impact=impact,
        description=description,
        owner_id=owner_id,
        mitigation=mitigation,
        status=status,
        initiative_id=initiative_id,
    )
    _check(org, changes)
    risk = Risk(organization_id=org.id, **changes)
    risk.title, risk.description, risk.mitigation = title.strip(), description, mitigation.strip()
    db.session.add(risk)
    db.session.flush()
    return risk


def update_risk(risk: Risk, by: User, expected_version: int | None, **changes: Any) -> Risk:
    require(by, Action.CONTRIBUTE, risk, REFUSAL)
    check_version(risk, expected_version, RISK_FIELDS)
    _check(db.session.get(Organization, risk.organization_id), changes)  # type: ignore[arg-type]
    for key, value in changes.items():
        setattr(risk, key, value.strip() if key in ("title", "mitigation") else value)
    db.session.flush()
    return risk
