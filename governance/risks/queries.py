"""The risk register: an organization's risks, highest score first, in keyset pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from governance.enums import RiskCategory, RiskStatus
from governance.extensions import db
from governance.portfolio.models import Organization
from governance.risks.models import Risk

PAGE_SIZE = 50


@dataclass
class RiskPage:
    rows: list[Risk]
    total: int  # every risk the filters match, not only this page's
    after: int | None  # the risk this page starts after; None on the first page
    next_after: int | None  # the last risk of this page when more follow
    bad_cursor: bool = False  # the cursor was not a risk of this organization: first page


def _score(risk: Any) -> Any:
    return risk.likelihood * risk.impact


def _filters(org: Organization, status: str, category: str) -> list[Any]:
    """ "active" (the default) hides closed risks; "all" shows every status."""
    where: list[Any] = [Risk.organization_id == org.id]
    if status == "active":
        where.append(Risk.status != RiskStatus.CLOSED)
    elif status in RiskStatus.__members__.values():
        where.append(Risk.status == RiskStatus(status))
    if category in RiskCategory.__members__.values():
        where.append(Risk.category == RiskCategory(category))
    return where


def _after(org: Organization, risk_id: int) -> Any | None:
    """The keyset condition "after this risk in (score descending, id)", or None when the
    cursor is not a risk of the organization. The cursor's score is read in SQL."""
    cursor = aliased(Risk)
    score = (
        sa.select(_score(cursor))
        .where(cursor.id == risk_id, cursor.organization_id == org.id)
        .scalar_subquery()
    )
    if db.session.scalar(sa.select(score)) is None:
        return None
    return sa.or_(_score(Risk) < score, sa.and_(_score(Risk) == score, Risk.id > risk_id))


def risk_register_page(
    org: Organization,
    status: str = "active",
    category: str = "",
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> RiskPage:
    """One page of the register, highest score first: three queries at most, any size."""
    where = _filters(org, status, category)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Risk).where(*where)) or 0
    keyset = _after(org, after) if after is not None else None
    bad = after is not None and keyset is None
    rows = list(
        db.session.scalars(
            sa.select(Risk)
            .where(*where, *([keyset] if keyset is not None else []))
            .options(joinedload(Risk.owner), joinedload(Risk.initiative))
            .order_by(_score(Risk).desc(), Risk.id)
            .limit(size + 1)
        )
    )
    more = len(rows) > size
    rows = rows[:size]
    return RiskPage(
        rows=rows,
        total=int(total),
        after=None if bad else after,
        next_after=rows[-1].id if more else None,
        bad_cursor=bad,
    )
