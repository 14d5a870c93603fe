"""Possible duplicate invoices: one supplier, one amount, one service date, several references.

R13 refuses a reference that is the same as an earlier one (`references.py`), but an invoice keyed
under a different number (`INV-1`, `1-INV`), or two spellings accepted before R13 said when
references are the same, slips through. The finance team checks these by hand: spends not
reversed, with a recorded supplier (compared ignoring case and spacing), grouped by supplier,
amount and service date, each group of two or more listed.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from ..money import from_pence
from ..projections.tables import spends
from ..references import reference_key
from .pool_info import pool_info

if TYPE_CHECKING:
    from .models import PossibleDuplicatesReport


def same_supplier(supplier: str) -> str:
    """What two suppliers must share to count as one: NFKC, case and runs of spaces ignored."""
    return " ".join(unicodedata.normalize("NFKC", supplier).casefold().split())


def _utc(moment: datetime) -> str:
    """SQLite gives back recording times without their zone; they are UTC."""
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
            ).isoformat()


def possible_duplicates_report(conn: Connection, pool: str,
                               year: str | None) -> PossibleDuplicatesReport:
    from .models import DuplicateGroup, DuplicateSpend, PossibleDuplicatesReport

    pool_info(conn, pool)  # an unknown pool is an error, not an empty report
    query = select(spends).where(spends.c.pool_id == pool, spends.c.reversed.is_(False),
                                 spends.c.supplier.is_not(None))
    if year is not None:
        query = query.where(spends.c.year == year)
    groups: dict[tuple[str, int, str], list[DuplicateSpend]] = {}
    for row in conn.execute(query.order_by(spends.c.sequence)):
        key = (same_supplier(row.supplier), row.amount_pence, row.service_date.isoformat())
        groups.setdefault(key, []).append(DuplicateSpend(
            invoice_ref=row.invoice_ref, decision_id=row.decision_id, supplier=row.supplier,
            element=row.element, recorded_at=_utc(row.recorded_at)))
    found = [DuplicateGroup(supplier=members[0].supplier, amount=str(from_pence(pence)),
                            service_date=day, total=str(from_pence(pence * len(members))),
                            same_reference=len({reference_key(m.invoice_ref)
                                                for m in members}) < len(members),
                            spends=members)
             for (_, pence, day), members in groups.items() if len(members) > 1]
    found.sort(key=lambda g: (g.service_date, g.supplier.casefold(), g.amount))
    return PossibleDuplicatesReport(pool=pool, year=year, groups=found)
