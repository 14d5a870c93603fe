"""Several OS processes writing to one ledger, on a SQLite file and on PostgreSQL.

Optimistic concurrency on every aggregate and bounded retries must make concurrent writers look
like some serial order: nothing lost, nothing applied twice, no limit broken, the same figures.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from concurrency.workload import (
    LAST_POUND_ATTEMPTS,
    PARTNERS,
    POOL,
    YEAR,
    command_of,
    contended_lines,
    deal,
    line,
    receipt,
    run_concurrently,
    setup_lines,
    spend,
    topic_counts,
)
from pooledbudget import reports
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.money import exact

WORKERS = 4


def apply_all(ledger: LedgerApplication, lines: list[str]) -> list[dict[str, Any]]:
    results = list(apply_lines(ledger, lines))
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]
    return results


def figures(ledger: LedgerApplication, pool: str = POOL) -> dict[str, Any]:
    """The board's figures, without the `as_at` label."""
    shares = reports.shares(ledger, pool, YEAR).model_dump(mode="json", exclude={"as_at"})
    shift = reports.cost_shift(ledger, pool, YEAR).model_dump(mode="json", exclude={"as_at"})
    return {"shares": shares, "cost_shift": shift}


def serial_figures(lines: list[str]) -> dict[str, Any]:
    ledger = open_ledger("memory://")
    try:
        list(apply_lines(ledger, lines))
        return figures(ledger)
    finally:
        ledger.close()


def test_interleaved_writers_lose_nothing_and_match_a_serial_run(db_url: str, tmp_path: Path) -> None:
    """Four processes send interleaved spends on the same three decisions and receipts into
    the same pool. Every receipt counts once (no lost update on the pool), every spend is
    allocated once, and of twelve one-pound spends racing for a ten-pound decision exactly ten
    succeed and two fail under R14 — never a penny above the approved cost. The figures equal
    those of the same lines applied one after another in one process."""
    setup = setup_lines()
    contended = contended_lines()
    ledger = open_ledger(db_url)
    apply_all(ledger, setup)
    batches = deal(contended, WORKERS)
    results = run_concurrently(db_url, batches, tmp_path)
    outcomes = [(command_of(raw), r) for batch, rs in zip(batches, results, strict=True)
                for raw, r in zip(batch, rs, strict=True)]
    assert len(outcomes) == len(contended)

    failed = [(cmd, r) for cmd, r in outcomes if not r["ok"]]
    assert all(cmd.get("decision_id") == "D3" for cmd, _ in failed), failed
    assert [r["error"]["rule"] for _, r in failed] == ["R14"] * (LAST_POUND_ATTEMPTS - 10), failed
    assert all(r["error"]["code"] != "concurrency_conflict" for _, r in failed)

    last_pound = ledger.decision(POOL, "D3")
    assert last_pound.spent == Fraction(10) == exact(last_pound.cost)
    for decision_id in ("D1", "D2"):
        decision = ledger.decision(POOL, decision_id)
        sent = [cmd for cmd, _ in outcomes if cmd.get("decision_id") == decision_id]
        assert len(decision.spends) == len(sent)
        assert decision.spent == sum(Fraction(Decimal(c["amount"])) for c in sent)
    pool = ledger.pool(POOL)
    for code in PARTNERS:
        sent = [cmd for cmd, _ in outcomes
                if cmd["command"] == "ReceiveContribution" and cmd["partner"] == code]
        assert pool.received_amount(code, YEAR) == sum(Decimal(c["amount"]) for c in sent)

    counts = topic_counts(ledger)
    recorded_spends = sum(1 for cmd, r in outcomes if r["ok"] and cmd["command"] == "RecordSpend")
    assert counts["SpendRecorded"] == counts["InvoiceRegistered"] == recorded_spends
    assert counts["CommandAccepted"] == len(setup) + sum(1 for _, r in outcomes if r["ok"])

    assert figures(ledger) == serial_figures(setup + contended)
    ledger.close()


def test_a_spend_racing_a_year_close_is_either_before_it_or_rejected(
    db_url: str, tmp_path: Path
) -> None:
    """R17 across processes: one process closes the year of each of six pools while another
    keeps spending on each pool's decision. A spend either lands in the log before the close of
    its year or is rejected under R17 — never recorded after the year was closed."""
    pools = [f"RACE{n}" for n in range(6)]
    decisions = {"D": ("100000.00", {"ASC": "50", "CFS": "50"}, None)}
    ledger = open_ledger(db_url)
    apply_all(ledger, [raw for p in pools for raw in setup_lines(p, decisions)])
    closer = []
    spender = []
    for p in pools:
        closer += [spend("D", f"{p}-C{i}", "1.00", pool=p) for i in range(2)]
        closer.append(line("CloseYear", f"{p}-close", pool_id=p, year=YEAR))
        spender += [spend("D", f"{p}-S{i}", "1.00", pool=p) for i in range(4)]
    results = run_concurrently(db_url, [closer, spender], tmp_path)

    for r in results[0]:
        assert r["ok"], r
    for r in results[1]:
        assert r["ok"] or r["error"]["rule"] == "R17", r
    seen_closed: set[str] = set()
    for notification in ledger.recorder.select_notifications(start=1, limit=100_000):
        event: Any = ledger.mapper.to_domain_event(notification)
        name = notification.topic.rpartition(":")[2]
        if name == "YearClosed":
            seen_closed.add(_pool_of(ledger, event))
        elif name == "SpendRecorded":
            decision = ledger.repository.get(event.originator_id)
            assert decision.pool_id not in seen_closed, f"spend recorded after {decision.pool_id} closed"
    assert seen_closed == set(pools)
    recorded = sum(1 for rs in results for r in rs if r["ok"] and r["command"] == "RecordSpend")
    assert topic_counts(ledger)["SpendRecorded"] == recorded
    ledger.close()


def _pool_of(ledger: LedgerApplication, event: Any) -> str:
    pool_id: str = ledger.repository.get(event.originator_id).pool_id
    return pool_id


def test_the_same_command_id_from_two_processes_is_recorded_once(db_url: str, tmp_path: Path) -> None:
    """R25 across processes: two processes send the same thirty commands at the same moment.
    For every line exactly one of them records it and the other is told it is a duplicate,
    with the same events; the ledger holds each spend once."""
    ledger = open_ledger(db_url)
    apply_all(ledger, setup_lines())
    lines = [spend("D1", f"TWICE-{i:02d}", "10.00") if i % 3 else receipt("ICB", 100 + i, "10.00")
             for i in range(30)]
    first, second = run_concurrently(db_url, [lines, lines], tmp_path)
    for a, b in zip(first, second, strict=True):
        assert a["ok"] and b["ok"], (a, b)
        assert sorted([a["duplicate"], b["duplicate"]]) == [False, True], (a, b)
        assert a["events"] == b["events"]
    counts = topic_counts(ledger)
    assert counts["SpendRecorded"] == sum(1 for raw in lines if "RecordSpend" in raw)
    assert counts["ContributionReceived"] == sum(1 for raw in lines if "ReceiveContribution" in raw)
    assert ledger.decision(POOL, "D1").spent == Fraction(200)
    ledger.close()


def _apply_process(db_url: str, batch: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from pooledbudget.cli import main; sys.exit(main())",
         "apply", str(batch), "--db", db_url, "--group-size", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)


def test_a_writer_killed_mid_batch_leaves_whole_lines_and_a_resend_completes_once(
    db_url: str, tmp_path: Path
) -> None:
    """`pooledbudget apply` is SIGKILLed after it has reported some lines of a batch (applied
    in groups of ten lines, each group one transaction). Every line is then either wholly
    recorded (its spend, its invoice claim and its receipt) or not at all; sending the whole
    batch again records the rest once and reports the others as duplicates; the figures equal
    an uninterrupted run's."""
    setup = setup_lines()
    ledger = open_ledger(db_url)
    apply_all(ledger, setup)
    lines = []
    for i in range(120):
        lines.append(spend("D1", f"K-{i:03d}", "20.00") if i % 4 else receipt("CFS", i, "50.00"))
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n")

    process = _apply_process(db_url, batch)
    assert process.stdout is not None
    reported = []
    for raw in process.stdout:
        reported.append(json.loads(raw))
        if len(reported) == 25:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    def recorded(cmd: dict[str, Any]) -> bool:
        has_receipt = _receipt_exists(ledger, cmd["command_id"])
        if cmd["command"] == "RecordSpend":
            decision = ledger.decision(POOL, "D1")
            parts = {cmd["invoice_ref"] in decision.spends, has_receipt,
                     _invoice_taken(ledger, cmd["invoice_ref"])}
        else:
            references = _receipt_references(ledger)
            parts = {cmd["reference"] in references, has_receipt}
        assert len(parts) == 1, f"line {cmd['command_id']} is half recorded"
        return parts.pop()

    done = [recorded(command_of(raw)) for raw in lines]
    assert all(done[: len(reported)]), "a reported line is missing"
    assert not all(done), "the batch finished before the kill; nothing was interrupted"

    process = _apply_process(db_url, batch)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    again = [json.loads(raw) for raw in out.splitlines()]
    assert [r["duplicate"] for r in again] == done
    counts = topic_counts(ledger)
    assert counts["SpendRecorded"] == sum(1 for raw in lines if "RecordSpend" in raw)
    assert counts["ContributionReceived"] == sum(1 for raw in lines if "ReceiveContribution" in raw)
    assert Counter(_receipt_references(ledger)) == Counter(
        command_of(raw)["reference"] for raw in lines if "ReceiveContribution" in raw)
    assert figures(ledger) == serial_figures(setup + lines)
    ledger.close()


def _receipt_exists(ledger: LedgerApplication, command_id: str) -> bool:
    from pooledbudget.aggregates.registry import CommandReceipt, receipt_uuid

    return ledger._find(CommandReceipt, receipt_uuid(command_id)) is not None  # noqa: SLF001


def _invoice_taken(ledger: LedgerApplication, invoice_ref: str) -> bool:
    from pooledbudget.aggregates.registry import InvoiceRef, invoice_key_uuid
    from pooledbudget.references import reference_key

    claim = invoice_key_uuid(POOL, reference_key(invoice_ref))
    return ledger._find(InvoiceRef, claim) is not None  # noqa: SLF001


def _receipt_references(ledger: LedgerApplication) -> list[str]:
    references = []
    for notification in ledger.recorder.select_notifications(start=1, limit=100_000):
        if notification.topic.endswith(":ContributionReceived"):
            event: Any = ledger.mapper.to_domain_event(notification)
            references.append(event.reference)
    return references

