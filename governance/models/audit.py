"""The audit trail: one row per change to any tracked record, never updated."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from governance.extensions import db
from governance.models.base import UTCDateTime, utcnow


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_record", "record_type", "record_id"),
        sa.Index("ix_audit_event_org_time", "organization_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column()
    record_type: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(8))
    field: Mapped[str | None] = mapped_column(sa.String(64))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)
