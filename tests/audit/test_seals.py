"""Seals carry on from the previous one; what they record equals a from-scratch recomputation."""

from __future__ import annotations

from typing import Any

from tests.unit.helpers import (
    approved_decision,
    close_cmd,
    pm,
    reject,
    run,
    setup_pool,
    spend_cmd,
)

from pooledbudget.aggregates import Pool
from pooledbudget.application import LedgerApplication
from pooledbudget.audit.chain_state import PoolChainState
from pooledbudget.audit.log_scan import scan_log
from pooledbudget.audit.verify import verify


def seal_cmd(reason: str = "Quarterly audit", actor: dict[str, str] | None = None) -> dict[str, Any]:
    return {"command": "SealPool", "actor": actor or pm(), "pool_id": "P", "reason": reason}


def seals(ledger: LedgerApplication) -> list[Any]:
    return [e for e in ledger.events.get(ledger.pool("P").id) if isinstance(e, Pool.Sealed)]


def from_scratch(ledger: LedgerApplication, up_to: int) -> PoolChainState:
    state = PoolChainState()
    for logged in scan_log(ledger, up_to=up_to):
        if logged.pool_id == "P":
            state.add(logged.event)
    return state


def test_r24_each_incremental_seal_equals_a_full_recomputation(ledger: LedgerApplication) -> None:
    """Three seals with spend between them: each records exactly the heads, count and digest
    that a full pass over the log up to its position gives, and the whole ledger verifies."""
    setup_pool(ledger)
    approved_decision(ledger)
    for i in range(3):
        run(ledger, spend_cmd("D1", f"INV-{i}", "10.00"))
        result = run(ledger, seal_cmd())
        assert result.events == ["PoolSealed"]
    recorded = seals(ledger)
    assert [s.up_to for s in recorded] == sorted({s.up_to for s in recorded})
    for seal in recorded:
        expected = from_scratch(ledger, seal.up_to)
        assert (seal.events, seal.log_digest, seal.heads) == (
            expected.events, expected.log_digest, expected.heads)
    run(ledger, close_cmd())  # seals too, and records the year's closure in its own stream
    run(ledger, seal_cmd("After year end"))
    recorded = seals(ledger)
    assert len(recorded) == 5
    for seal in recorded[3:]:
        expected = from_scratch(ledger, seal.up_to)
        assert (seal.events, seal.log_digest, seal.heads) == (
            expected.events, expected.log_digest, expected.heads)
    outcome = verify(ledger, seal=recorded[0].hash)
    assert outcome.ok and outcome.seals_checked == 5


def test_r26_only_the_hosts_pool_manager_seals(ledger: LedgerApplication) -> None:
    setup_pool(ledger)
    auditor = {"id": "aud-1", "partner": "ASC", "role": "auditor"}
    reject(ledger, seal_cmd(actor=auditor), rule="R26")
    reject(ledger, seal_cmd(actor=pm("CFS")), rule="R26")
