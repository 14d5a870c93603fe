"""The shares report's spent and committed columns, read from the running totals by partner
(decision 0045), against their definitions: the allocations of the spends not reversed, and the
open commitments."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backends import ledger_url
from ledger_sequences import FIRST_AT, apply_all, checkpoint_every, command_sequences
from pooledbudget import reports
from pooledbudget.application import open_ledger
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up, live
from pooledbudget.projections.tables import (
    commitments,
    partner_totals,
    spend_allocations,
    spends,
)
from unit.helpers import POOL, YEAR


def _pence(amount: object) -> int:
    return int(Decimal(str(amount)) * 100)


def _defined_spent(store: Any) -> dict[str, int]:
    """Pence by partner: every allocation of the pool-year whose spend is not reversed."""
    return {p: funded for p, (funded, _, _) in _defined_sums(store).items()}


def _defined_sums(store: Any) -> dict[str, tuple[int, int, int]]:
    """(funded, responsible, committed) pence by partner, where any is not nought: funded and
    responsible of the pool-year's spends not reversed, its open commitments; read row by row
    and added up here."""
    with store.transaction() as conn:
        flags = {row.invoice_ref: row.reversed for row in conn.execute(
            select(spends.c.invoice_ref, spends.c.reversed).where(spends.c.pool_id == POOL))}
        sums: dict[str, list[int]] = {}
        for row in conn.execute(select(spend_allocations).where(
                spend_allocations.c.pool_id == POOL, spend_allocations.c.year == YEAR)):
            if not flags[row.invoice_ref]:
                found = sums.setdefault(row.partner, [0, 0, 0])
                found[0] += int(row.funded_pence)
                found[1] += int(row.responsible_pence)
        for row in conn.execute(select(commitments).where(
                commitments.c.pool_id == POOL, commitments.c.year == YEAR)):
            sums.setdefault(row.partner, [0, 0, 0])[2] += int(row.amount_pence)
    return {p: (f, r, c) for p, (f, r, c) in sums.items() if f or r or c}


def _running_sums(store: Any) -> dict[str, tuple[int, int, int]]:
    with store.transaction() as conn:
        return {row.partner: (int(row.funded_pence), int(row.responsible_pence),
                              int(row.committed_pence))
                for row in conn.execute(select(partner_totals).where(
                    partner_totals.c.pool_id == POOL, partner_totals.c.year == YEAR))}


@settings(max_examples=25, deadline=None)
@given(command_sequences(max_steps=25), st.data())
def test_spent_and_committed_are_the_allocations_not_reversed_and_the_open_commitments(
    commands: list[dict[str, Any]], data: st.DataObject
) -> None:
    """For any history with spends and reversals (some of spends written in an earlier batch),
    each partner's spent in the shares report, live and as at any recording time (from a
    checkpoint over the live rows, or replayed), is exactly the sum of its funded pence over
    the year's allocations whose spend is not reversed in the same read models, and its
    committed the sum of its open commitments of the year. The running totals hold a row for
    each partner with a funded, responsible or committed total that is not nought, and no other;
    the same rows whether the events came in two batches or in one (a replay of the whole
    log)."""
    for i, command in enumerate(commands):
        command["at"] = (FIRST_AT + timedelta(minutes=i)).isoformat()
    k = data.draw(st.integers(0, len(commands) - 1), label="k")
    as_at = datetime.fromisoformat(commands[k]["at"]) + timedelta(seconds=30)
    every = data.draw(st.integers(1, 4), label="every")
    directory = tempfile.TemporaryDirectory()
    url = ledger_url()
    with checkpoint_every(every):
        ledger = open_ledger(f"sqlite:///{directory.name}/l.db" if url == "memory://" else url)
        try:
            for chunk in (commands[: len(commands) // 2], commands[len(commands) // 2:]):
                apply_all(ledger, chunk)  # two batches: a reversal may follow its spend's batch
                live.live_store(ledger)
            for when in (None, as_at):
                report = reports.shares(ledger, POOL, YEAR, as_at=when)
                store = live.read_models_as_at(ledger, when, POOL, YEAR)
                wanted = _defined_spent(store)
                got = {p.partner: _pence(p.spent) for p in report.partners}
                assert ({p: v for p, v in got.items() if v}
                        == {p: v for p, v in wanted.items() if v})
                assert _pence(report.total.spent) == sum(wanted.values())
                committed = {p: c for p, (_, _, c) in _defined_sums(store).items() if c}
                assert {p.partner: _pence(p.committed) for p in report.partners
                        if _pence(p.committed)} == committed
                assert _running_sums(store) == _defined_sums(store)
            one_batch = LedgerProjection(ReadModelStore.in_memory(), ledger, checkpoints=0)
            catch_up(ledger, one_batch)
            assert _running_sums(one_batch.view) == _running_sums(live.live_store(ledger))
        finally:
            ledger.close()
            directory.cleanup()
