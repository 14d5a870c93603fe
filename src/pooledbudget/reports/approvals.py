"""Approvals pending as of a date (R21): who is still to approve, and for how many days."""

from __future__ import annotations

from datetime import UTC, date
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from ..projections.tables import approvals_pending
from .pool_info import pool_info

if TYPE_CHECKING:
    from .models import ApprovalsReport


def approvals_report(conn: Connection, pool_id: str, as_of: date) -> ApprovalsReport:
    from .models import ApprovalsReport, PendingApproval

    pool_info(conn, pool_id)
    rows = conn.execute(
        select(approvals_pending).where(approvals_pending.c.pool_id == pool_id)
        .order_by(approvals_pending.c.recorded_at, approvals_pending.c.sequence)
    )
    pending = []
    for row in rows:
        recorded = row.recorded_at
        recorded = recorded.replace(tzinfo=UTC) if recorded.tzinfo is None else recorded
        pending.append(PendingApproval(
            decision_id=row.decision_id, variation_id=row.variation_id,
            waiting_on=list(row.waiting_on), first_signature=list(row.first_signature or []),
            days_waiting=(as_of - recorded.astimezone(UTC).date()).days))
    return ApprovalsReport(pool=pool_id, as_of=as_of.isoformat(), pending=pending)
