"""Maturity assessments: recorded, never overwritten. A later assessment supersedes in views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from governance.catalog import maturity_dimensions
from governance.errors import DomainError
from governance.extensions import db
from governance.models import Initiative, MaturityAssessment, MaturityScore, User


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    score: int
    target: int | None = None
    note: str = ""


def record_assessment(
    initiative: Initiative,
    by: User | None,
    assessed_on: date,
    scores: list[DimensionScore],
    *,
    summary: str = "",
    today: date | None = None,
) -> MaturityAssessment:
    """A dated assessment of `initiative`: a score (1-5), a target level and a note per dimension.

    Dimensions may be left out (the `every_dimension_assessed` rule says which are missing),
    but at least one must be scored.
    """
    known = {d["key"]: d["name"] for d in maturity_dimensions()}
    if assessed_on > (today or date.today()):
        raise DomainError("An assessment cannot be dated in the future.", field="assessed_on")
    if not scores:
        raise DomainError("Score at least one dimension.")
    seen: set[str] = set()
    for item in scores:
        if item.dimension not in known:
            raise DomainError(f"“{item.dimension}” is not a dimension of the maturity model.")
        if item.dimension in seen:
            raise DomainError(f"{known[item.dimension]} is scored twice.")
        seen.add(item.dimension)
        if not 1 <= item.score <= 5:
            raise DomainError(
                f"{known[item.dimension]}: a score is a level from 1 to 5.",
                field=f"score_{item.dimension}",
            )
        if item.target is not None and not 1 <= item.target <= 5:
            raise DomainError(
                f"{known[item.dimension]}: a target is a level from 1 to 5.",
                field=f"target_{item.dimension}",
            )
    assessment = MaturityAssessment(
        organization_id=initiative.organization_id,
        initiative_id=initiative.id,
        assessed_on=assessed_on,
        assessor_id=by.id if by is not None else None,
        summary=summary.strip(),
    )
    order = list(known)
    for item in sorted(scores, key=lambda s: order.index(s.dimension)):
        assessment.scores.append(
            MaturityScore(
                organization_id=initiative.organization_id,
                dimension=item.dimension,
                score=item.score,
                target=item.target,
                note=item.note.strip(),
            )
        )
    db.session.add(assessment)
    db.session.flush()
    return assessment
