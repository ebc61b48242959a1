"""Rules over the initiative and its phases."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from governance.enums import PHASE_TITLES
from governance.extensions import db
from governance.models import Initiative, Phase
from governance.rules import Failure, rule


@rule("every_phase_has_owner", "Every phase has a named owner")
def every_phase_has_owner(initiative: Initiative, today: date) -> list[Failure]:
    unowned = db.session.scalars(
        sa.select(Phase.kind)
        .where(Phase.initiative_id == initiative.id, Phase.owner_id.is_(None))
        .order_by(Phase.position)
    )
    return [Failure(f"{PHASE_TITLES[kind]} phase", "has no owner") for kind in unowned]
