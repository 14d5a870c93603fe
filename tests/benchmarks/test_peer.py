"""The plain-SQL double-entry peer's arithmetic (benchmarks/double_entry_peer.py): no timing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.double_entry_peer import Line, Peer, lines_from_feed  # noqa: E402
from benchmarks.generator import PoolSpec, as_lines, generate  # noqa: E402

from conftest import pg_schema_url  # noqa: E402

ACCOUNTS = [f"acct:{i}" for i in range(6)]
lines_strategy = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS),
              st.integers(min_value=0, max_value=10**9)),
    max_size=250)


def _check(peer: Peer, lines: list[Line]) -> None:
    transfers, entries = peer.counts()
    assert (transfers, entries) == (len(lines), 2 * len(lines))
    assert peer.unbalanced_transfers() == 0
    balances = peer.balances()
    assert balances == {**{a: 0 for a in balances}, **peer.entry_sums()}
    assert sum(balances.values()) == 0
    expected: dict[str, int] = {}
    for line in lines:
        expected[line.debit] = expected.get(line.debit, 0) - line.pence
        expected[line.credit] = expected.get(line.credit, 0) + line.pence
    assert balances == expected


@given(raw=lines_strategy, batch=st.integers(min_value=1, max_value=120))
def test_balances_are_the_sums_of_entries_and_every_transfer_cancels(
        raw: list[tuple[str, str, int]], batch: int) -> None:
    """Whatever the transfers and the batch size, each account's balance equals the sum of its
    entries and the expected net of the transfers, each transfer has two entries that sum to
    zero, and the balances sum to zero."""
    lines = [Line(f"r{i}", "T", debit, credit, pence)
             for i, (debit, credit, pence) in enumerate(raw)]
    peer = Peer(":memory:")
    try:
        peer.post_all(lines, batch)
        _check(peer, lines)
    finally:
        peer.close()


def test_a_generated_feed_posts_on_sqlite(tmp_path: Path) -> None:
    lines = lines_from_feed(as_lines(generate(PoolSpec(pools=2, decisions=3, weeks=8,
                                                       reversals=0.2), seed=2)))
    assert any(line.kind == "ReverseSpend" and line.pence > 0 for line in lines)
    peer = Peer(f"sqlite:///{tmp_path / 'peer.db'}")
    try:
        peer.post_all(lines)
        _check(peer, lines)
    finally:
        peer.close()
    reopened = Peer(f"sqlite:///{tmp_path / 'peer.db'}")  # ids go on from what is there
    try:
        reopened.post_all([Line(f"again-{i}", "T", "a", "b", 1) for i in range(5)])
        assert reopened.counts() == (len(lines) + 5, 2 * (len(lines) + 5))
    finally:
        reopened.close()


def test_a_generated_feed_posts_on_postgresql(request: pytest.FixtureRequest) -> None:
    lines = lines_from_feed(as_lines(generate(PoolSpec(pools=2, decisions=3, weeks=8), seed=2)))
    with pg_schema_url(request) as url:
        peer = Peer(url)
        try:
            peer.post_all(lines, 100)
            _check(peer, lines)
        finally:
            peer.close()


def test_a_batch_that_fails_writes_nothing(tmp_path: Path) -> None:
    """One transaction a batch: a repeated reference fails the batch's transfer INSERT, and
    neither its transfers, its entries nor its balance changes remain."""
    peer = Peer(f"sqlite:///{tmp_path / 'peer.db'}")
    try:
        first = [Line("r1", "T", "a", "b", 5)]
        peer.post_all(first)
        with pytest.raises(Exception, match="UNIQUE"):
            peer.post([Line("r2", "T", "a", "c", 7), Line("r1", "T", "a", "b", 5)])
        _check(peer, first)
    finally:
        peer.close()
