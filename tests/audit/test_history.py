"""`pooledbudget history`: who did what, when and why (R23), for the worked scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pooledbudget.cli import main


@pytest.fixture
def db(tmp_path: Path, scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    main(["apply", str(scenario_dir / "family_recovery_pool.jsonl"), "--db", url,
          "--use-command-time", "--allow-future-times"])
    capsys.readouterr()
    return url


def rows(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    assert main(["history", *args, "--format", "json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_history_is_every_event_oldest_first_with_who_and_when(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    history = rows(capsys, "--db", db, "--pool", "FRP")
    assert [r["notification_id"] for r in history] == sorted(r["notification_id"] for r in history)
    assert [r["recorded_at"] for r in history] == sorted(r["recorded_at"] for r in history)
    assert all(r["actor"] and r["role"] and r["partner"] for r in history)
    assert history[0]["event"] == "PoolEstablished"
    assert {"YearClosed", "PoolSealed", "SpendRecorded", "SpendReversed"} <= {r["event"] for r in history}


def test_history_shows_the_icb_withdrawal_at_review_and_the_reversal_with_their_reasons(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    history = rows(capsys, "--db", db, "--pool", "FRP")
    withdrawal = [r for r in history if r["event"] == "VariationProposed"
                  and "ICB withdraws" in (r["reason"] or "")]
    assert len(withdrawal) == 1
    assert withdrawal[0]["reason"].startswith("Week-12 review")
    assert withdrawal[0]["role"] == "pool_manager"
    reversal = [r for r in history if r["event"] == "SpendReversed"]
    assert len(reversal) == 1
    assert reversal[0]["reason"] == "Keyed 105,500 instead of 105,000"
    assert reversal[0]["facts"]["invoice_ref"]


def test_history_of_one_decision(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    whole = rows(capsys, "--db", db, "--pool", "FRP")
    decision = next(r["id"] for r in whole if r["event"] == "VariationProposed")
    only = rows(capsys, "--db", db, "--pool", "FRP", "--decision", decision)
    assert only and all(r["id"] == decision or r["subject"] == "invoice" for r in only)
    assert only[0]["event"] == "DecisionProposed"
    assert main(["history", "--db", db, "--pool", "FRP"]) == 0  # the table form for people
    assert "Week-12 review" in capsys.readouterr().out
