"""A command's pool and decision are brought up to date together, in one query, from the
cache (`LedgerApplication._bring_up_to_date`): what another writer recorded since must be seen,
and the cached instances other commands share must never be changed in place."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pooledbudget import parse_command
from pooledbudget.aggregates import decision_uuid, pool_uuid
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.errors import LimitError

from .helpers import POOL, approved_decision, join_cmd, reject, run, setup_pool, spend_cmd


def _spy_on_loads(ledger: LedgerApplication) -> list[Any]:
    """Records every `select_after` (with how many aggregates) and every repository load."""
    calls: list[Any] = []
    recorder: Any = ledger.recorder
    original_select, original_get = recorder.select_after, ledger.repository.get
    recorder.select_after = lambda after: calls.append(("select_after", len(after))) or \
        original_select(after)
    ledger.repository.get = lambda *a, **k: calls.append(("get", a[0])) or \
        original_get(*a, **k)  # type: ignore[method-assign]
    return calls


@pytest.fixture
def two(db_url: str) -> Iterator[tuple[LedgerApplication, LedgerApplication]]:
    """Two ledgers on one database, as two processes would be: each with its own cache."""
    first, second = open_ledger(db_url), open_ledger(db_url)
    yield first, second
    first.close()
    second.close()


def test_a_spend_sees_what_another_writer_recorded_on_its_decision(
    two: tuple[LedgerApplication, LedgerApplication],
) -> None:
    """R14 across writers: the first ledger has the decision cached with nothing spent; the
    second spends most of it; the first's next spend is checked against the new total."""
    first, second = two
    setup_pool(first)
    approved_decision(first, cost={"total": "100.00"})
    run(first, spend_cmd("D1", "INV-1", "10.00"))  # cached in `first` after its own save
    cached = first.repository.cache.get(decision_uuid(POOL, "D1"))  # type: ignore[union-attr]
    run(second, spend_cmd("D1", "INV-2", "80.00"))
    error = reject(first, spend_cmd("D1", "INV-3", "20.00"), rule="R14",
                   code="spend_exceeds_approved_cost")
    assert isinstance(error, LimitError)
    run(first, spend_cmd("D1", "INV-4", "10.00"))
    assert sorted(cached.spends) == ["INV-1"], "a shared cached instance was changed in place"
    latest = first.repository.cache.get(decision_uuid(POOL, "D1"))  # type: ignore[union-attr]
    assert sorted(latest.spends) == ["INV-1", "INV-2", "INV-4"]


def test_a_spend_sees_a_partner_joined_by_another_writer(
    two: tuple[LedgerApplication, LedgerApplication],
) -> None:
    """The pool, too: a partner joined through the second ledger is in the first's next
    allocation order (a stale order would leave it out of the tie-break)."""
    first, second = two
    setup_pool(first)
    approved_decision(first)
    run(first, spend_cmd("D1", "INV-1", "10.00"))
    pool_before = first.repository.cache.get(pool_uuid(POOL))  # type: ignore[union-attr]
    run(second, join_cmd("ICB", "2026-27"))
    run(first, spend_cmd("D1", "INV-2", "10.00"))
    assert "ICB" not in pool_before.partner_order, "a shared cached pool was changed in place"
    *_, last = first.repository.event_store.get(decision_uuid(POOL, "D1"))
    assert last.invoice_ref == "INV-2"  # type: ignore[attr-defined]
    assert list(last.funding) == ["ASC", "CFS", "ICB"]  # type: ignore[attr-defined]


def test_the_pool_and_decision_come_from_one_query_not_the_repository(
    two: tuple[LedgerApplication, LedgerApplication],
) -> None:
    """Not vacuous: with both cached, a spend reads them in one `select_after` and never asks
    the repository."""
    first, _ = two
    setup_pool(first)
    approved_decision(first)
    run(first, spend_cmd("D1", "INV-1", "10.00"))
    calls = _spy_on_loads(first)
    run(first, spend_cmd("D1", "INV-2", "10.00"))
    assert calls == [("select_after", 2)]


def test_a_group_reads_its_cached_pools_and_decisions_in_one_query(
    two: tuple[LedgerApplication, LedgerApplication],
) -> None:
    """A group of commands brings every cached pool and decision it names up to date in one
    query, sees what another writer recorded since, and asks the repository for nothing."""
    first, second = two
    setup_pool(first)
    approved_decision(first, "D1", cost={"total": "100.00"})
    approved_decision(first, "D2")
    run(first, spend_cmd("D1", "INV-1", "10.00"))
    run(first, spend_cmd("D2", "INV-2", "10.00"))
    run(second, spend_cmd("D1", "INV-3", "80.00"))
    calls = _spy_on_loads(first)
    outcomes = first.execute_many([parse_command(spend_cmd("D1", "INV-4", "20.00")),
                                   parse_command(spend_cmd("D2", "INV-5", "10.00"))])
    assert calls == [("select_after", 3)]
    assert isinstance(outcomes[0], LimitError) and outcomes[0].rule == "R14"
    assert not isinstance(outcomes[1], LimitError)
