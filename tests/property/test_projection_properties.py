"""Properties of the read models and reports (rules R19-R22) over generated command sequences."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backends import ledger_url
from ledger_sequences import apply_all, command_sequences, interleaved
from pooledbudget import reports
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.projections import (
    LedgerProjection,
    ReadModelStore,
    catch_up,
    live_store,
    read_models_as_at,
    rebuild,
)
from read_model_dump import dump, dump_pool
from unit.helpers import POOL, YEAR

SHARE_FIELDS = ("agreed", "received", "committed", "spent", "available", "forecast")
PENNY = Decimal("0.01")


@contextmanager
def fresh_ledger() -> Iterator[LedgerApplication]:
    ledger = open_ledger(ledger_url())
    try:
        yield ledger
    finally:
        ledger.close()


def d(text: str) -> Decimal:
    return Decimal(text)


def without_label(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = report.model_dump()
    data.pop("as_at", None)
    return data


@given(command_sequences())
def test_partner_rows_sum_to_the_pool_totals(commands: list[dict[str, Any]]) -> None:
    """R19: in the shares report every column's partner rows sum to the pool total to the penny,
    available = agreed - spent - committed and forecast = spent + committed, per partner and in
    total."""
    with fresh_ledger() as ledger:
        apply_all(ledger, commands)
        report = reports.shares(ledger, POOL, YEAR)
        for field in SHARE_FIELDS:
            assert sum((d(getattr(p, field)) for p in report.partners), Decimal(0)) == \
                d(getattr(report.total, field)), field
        for row in [*report.partners, report.total]:
            assert d(row.available) == d(row.agreed) - d(row.spent) - d(row.committed)
            assert d(row.forecast) == d(row.spent) + d(row.committed)


@given(command_sequences())
def test_net_cost_shifts_sum_to_zero_and_agree_with_the_matrix(commands: list[dict[str, Any]]) -> None:
    """R20: Σ net shifts = 0 exactly; each partner's net = funded - responsible; Σ funded =
    Σ responsible = pool spend; and in the matrix, what a partner carried for others (its column)
    minus what others carried for it (its row) is its net shift, within ½p for each cell of its
    row and column (cells that round to zero are left out of the report but still count)."""
    with fresh_ledger() as ledger:
        apply_all(ledger, commands)
        shift = reports.cost_shift(ledger, POOL, YEAR)
        spent = d(reports.shares(ledger, POOL, YEAR).total.spent)
    assert sum((d(v) for v in shift.net.values()), Decimal(0)) == 0
    assert sum((d(v) for v in shift.funded.values()), Decimal(0)) == spent
    assert sum((d(v) for v in shift.responsible.values()), Decimal(0)) == spent
    cells = [(a, b, d(v)) for a, row in shift.matrix.items() for b, v in row.items()]
    assert all(a != b and v != 0 for a, b, v in cells)
    for code, net in shift.net.items():
        assert d(net) == d(shift.funded[code]) - d(shift.responsible[code])
        carried_for_others = sum((v for _, b, v in cells if b == code), Decimal(0))
        carried_by_others = sum((v for a, _, v in cells if a == code), Decimal(0))
        # every cell in the partner's row and column, including those that rounded to zero
        # and were left out of the report, may be up to half a penny from its exact value
        touching = 2 * (len(shift.net) - 1)
        assert abs(carried_for_others - carried_by_others - d(net)) <= touching * PENNY / 2


@given(command_sequences(equal_splits=True))
def test_equal_funding_and_responsibility_splits_shift_nothing(commands: list[dict[str, Any]]) -> None:
    """R20: when every element's responsibility split equals its funding split, also through
    variations, every partner's net shift is zero and the matrix is empty."""
    with fresh_ledger() as ledger:
        apply_all(ledger, commands)
        shift = reports.cost_shift(ledger, POOL, YEAR)
    assert set(shift.net.values()) <= {"0.00"}
    assert shift.funded == shift.responsible
    assert shift.matrix == {}


@given(command_sequences())
def test_read_models_rebuilt_from_scratch_equal_the_live_ones(commands: list[dict[str, Any]]) -> None:
    """R22: read models kept live (caught up after every command) are row for row the same as
    read models built in one pass from the whole history, and as the live ones after a rebuild."""
    with fresh_ledger() as ledger:
        apply_all(ledger, commands, after_each=lambda: live_store(ledger))
        live = dump(live_store(ledger))
        scratch = LedgerProjection(ReadModelStore.in_memory(), ledger)
        catch_up(ledger, scratch, batch_size=7)
        assert dump(scratch.view) == live
        rebuild(ledger)
        assert dump(live_store(ledger, follow=False)) == live


@given(command_sequences(), st.data())
def test_as_at_equals_a_ledger_that_only_saw_commands_up_to_then(
    commands: list[dict[str, Any]], data: st.DataObject
) -> None:
    """R22: the reports as at the recording time T of command k equal the live reports of a
    second ledger that only ever received commands 1..k."""
    k = data.draw(st.integers(0, len(commands) - 1), label="k")
    as_at = datetime.fromisoformat(commands[k]["at"])
    with fresh_ledger() as whole, fresh_ledger() as prefix:
        apply_all(whole, commands)
        apply_all(prefix, commands[:k + 1])
        for build in (reports.shares, reports.cost_shift, reports.risk_share):
            then = build(whole, POOL, YEAR, as_at)
            assert without_label(then) == without_label(build(prefix, POOL, YEAR)), build.__name__


OTHER_POOL = "POOL-B"


@given(command_sequences(max_steps=15), command_sequences(max_steps=15), st.data())
def test_one_pool_as_at_equals_the_whole_log_replayed(
    first: list[dict[str, Any]], second: list[dict[str, Any]], data: st.DataObject
) -> None:
    """R22 among several pools: a pool's read models as at T, replayed from that pool's own
    events only, are row for row those the whole log's replay up to T gives for it, for each
    of two pools whose commands are interleaved; and, unless T is at or after the last event
    recorded (the live read models are the answer then), no other pool's rows are in them."""
    commands = interleaved(first, second, OTHER_POOL, data)
    k = data.draw(st.integers(0, len(commands) - 2), label="k")
    as_at = datetime.fromisoformat(commands[k]["at"])
    with fresh_ledger() as ledger:
        apply_all(ledger, commands)
        whole = LedgerProjection(ReadModelStore.in_memory(), ledger)
        catch_up(ledger, whole, until=as_at)
        replayed = as_at < (ledger.last_recorded_time() or as_at)
        for pool in (POOL, OTHER_POOL):
            alone = read_models_as_at(ledger, as_at, pool)
            assert dump_pool(alone, pool) == dump_pool(whole.view, pool), pool
            if replayed:
                assert dump_pool(alone, pool) == dump_pool(alone, None), pool
