"""Read models of spend: every invoice with its per-partner funded and responsible amounts
(a row for each partner that funds or is responsible for part of it; none for the others)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, update

from ..aggregates import Decision
from ..aggregates.decision.state import each_part
from ..money import repeated_pence
from .added_tee import added_tee
from .bulk import diverted, expect_columns, insert_rows
from .partner_totals import FUNDED, RESPONSIBLE, Totals, moved
from .tables import spend_allocations, spends

_pence = repeated_pence  # a weekly charge's amount repeats

REVERSE_SPEND = update(spends).where(
    spends.c.pool_id == bindparam("k_pool"), spends.c.invoice_ref == bindparam("k_invoice")
).values(reversed=True, reversal_reason=bindparam("reason"))
"""Marks a spend row reversed, with its reason (k_pool, k_invoice, reason): a batch's reversals
of spends written earlier, and a restored checkpoint's reversals of spends it added."""


class SpendWriter:
    """Buffers a batch's new spend rows and reversals and writes them together (rows in bulk,
    reversals with one executemany); a reversal of a spend still buffered is applied to its row."""

    def __init__(self, keep_text: bool, totals: Totals) -> None:
        self._text = keep_text  # False under a cipher key: no supplier, element or reason
        # each partner's funded and responsible pence moved, by pool and year: the batch's
        # (its owner writes them, with the commitments', and empties it)
        self._moved = totals
        self._spends: dict[tuple[str, str], list[Any]] = {}
        self._allocations: list[tuple[Any, ...]] = []
        self._reversals: list[dict[str, Any]] = []

    def apply(self, conn: Connection, event: Any, decision: Decision, sequence: int) -> None:
        if isinstance(event, Decision.SpendRecorded):
            self._record(event, decision, sequence)
        elif isinstance(event, Decision.SpendReversed):
            self._take_off(decision, event.invoice_ref)
            buffered = self._spends.get((decision.pool_id, event.invoice_ref))
            if buffered is not None:
                buffered[_REVERSED:_REVERSED + 2] = [True, self._kept(event.reason)]
            else:
                self._reversals.append({"k_pool": decision.pool_id,
                                        "k_invoice": event.invoice_ref,
                                        "reason": self._kept(event.reason)})

    def _kept(self, text: str | None) -> str | None:
        return text if self._text else None

    def _record(self, event: Any, decision: Decision, sequence: int) -> None:
        pool_id, invoice_ref, year = decision.pool_id, event.invoice_ref, decision.year
        spend = decision.spends[invoice_ref]  # as the decision booked it: its date, its parts
        self._spends[(pool_id, invoice_ref)] = [
            pool_id, invoice_ref, decision.decision_id, year, _pence(event.amount),
            spend.service_date, event.timestamp, self._kept(event.element),
            self._kept(event.supplier), sequence, False, None, event.supplier_is_individual]
        totals, allocations = self._moved, self._allocations
        # the allocation in pence, as the decision keeps it (`partner_parts`)
        for code, funded, responsible in each_part(spend.parts):
            allocations.append((pool_id, invoice_ref, code, year, funded, responsible, sequence))
            sums = totals.get((pool_id, year, code)) or moved(totals, (pool_id, year, code))
            sums[FUNDED] += funded
            sums[RESPONSIBLE] += responsible

    def _take_off(self, decision: Decision, invoice_ref: str) -> None:
        """A reversed spend's parts, off the running totals of the partners `_record` added
        them to."""
        for code, funded, responsible in each_part(decision.spends[invoice_ref].parts):
            sums = moved(self._moved, (decision.pool_id, decision.year, code))
            sums[FUNDED] -= funded
            sums[RESPONSIBLE] -= responsible

    def flush(self, conn: Connection) -> None:
        insert_rows(conn, spends, list(self._spends.values()))
        insert_rows(conn, spend_allocations, self._allocations)
        if self._reversals and diverted(conn, spends) is None:  # else the rows are not here
            tee = added_tee(conn)
            if tee is None:
                conn.execute(REVERSE_SPEND, self._reversals)
            else:
                with tee.feeding():
                    conn.execute(REVERSE_SPEND, self._reversals)
                tee.reverse(self._reversals)
        self.discard()

    def discard(self) -> None:
        self._spends = {}
        self._allocations = []
        self._reversals = []


expect_columns(spends, "pool_id", "invoice_ref", "decision_id", "year", "amount_pence",
               "service_date", "recorded_at", "element", "supplier", "sequence", "reversed",
               "reversal_reason", "supplier_is_individual")
expect_columns(spend_allocations, "pool_id", "invoice_ref", "partner", "year", "funded_pence",
               "responsible_pence", "sequence")
_REVERSED = 10
