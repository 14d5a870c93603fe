"""Finding 3: one future `at` bricked the log. Under `--use-command-time` an `at` more than
five minutes after the clock fails `time_in_future` (rule null, after R25, beside
`time_went_backwards`) unless `--allow-future-times`.

Seen failing before the fix: a line at 2099-01-01 was accepted, and every later ordinary write
then failed `verify` (recorded earlier than the event before it)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from pooledbudget.application import LedgerApplication
from pooledbudget.errors import TimeInFutureError
from tests.conftest import FakeClock
from tests.hostile.support import cli
from tests.unit.helpers import pledge_cmd, setup_pool, written

PM = {"id": "pm-asc", "partner": "ASC", "role": "pool_manager"}


def _at(clock: FakeClock, minutes: float) -> str:
    return (clock.now + timedelta(minutes=minutes)).isoformat()


def test_an_at_beyond_five_minutes_fails_time_in_future_and_writes_nothing(
    ledger: LedgerApplication, clock: FakeClock
) -> None:
    from pooledbudget import parse_command

    setup_pool(ledger, pledges={})
    before = written(ledger)
    with pytest.raises(TimeInFutureError) as info:
        ledger.execute(parse_command(pledge_cmd("ASC", "10.00") | {"at": _at(clock, 6)}),
                       use_command_time=True)
    assert info.value.as_dict()["code"] == "time_in_future"
    assert info.value.rule is None and info.value.field == "at"
    assert written(ledger) == before
    # Within five minutes (clocks differ a little) it is recorded, at its own time.
    ledger.execute(parse_command(pledge_cmd("ASC", "10.00") | {"at": _at(clock, 4)}),
                   use_command_time=True)
    assert written(ledger) > before


def test_allow_future_times_records_it(ledger: LedgerApplication, clock: FakeClock) -> None:
    from pooledbudget import parse_command

    setup_pool(ledger, pledges={})
    result = ledger.execute(parse_command(pledge_cmd("ASC", "10.00") | {"at": "2099-01-01T00:00:00"}),
                            use_command_time=True, allow_future_times=True)
    assert result.events == ["ContributionPledged"]


def test_r25_comes_first_a_repeat_with_a_future_at_is_a_duplicate(
    ledger: LedgerApplication, clock: FakeClock
) -> None:
    from pooledbudget import parse_command

    setup_pool(ledger, pledges={})
    first = pledge_cmd("ASC", "10.00") | {"command_id": "cmd-future-1"}
    ledger.execute(parse_command(first), use_command_time=True)
    again = ledger.execute(parse_command(first | {"at": "2099-01-01T00:00:00"}),
                           use_command_time=True)
    assert again.duplicate is True


def test_the_cli_refuses_the_future_line_and_the_log_stays_verifiable(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The attack: a 2099 line among ordinary ones. It fails alone; later lines are recorded
    and `verify` is ok afterwards."""
    lines = [
        {"command": "EstablishPool", "pool_id": "FUT", "name": "Future pool", "host": "ASC",
         "partners": [{"code": "ASC", "name": "Adult Social Care"},
                      {"code": "ICB", "name": "NHS ICB"}], "first_year": "2026-27",
         "actor": PM},
        {"command": "PledgeContribution", "pool_id": "FUT", "partner": "ASC", "year": "2026-27",
         "amount": "10.00", "at": "2099-01-01T00:00:00",
         "actor": {"id": "bh-asc", "partner": "ASC", "role": "budget_holder"}},
        {"command": "PledgeContribution", "pool_id": "FUT", "partner": "ICB", "year": "2026-27",
         "amount": "10.00", "actor": {"id": "bh-icb", "partner": "ICB", "role": "budget_holder"}},
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, out, err = cli(capsys, "apply", str(feed), "--db", db_url, "--use-command-time")
    results = [json.loads(row) for row in out.splitlines()]
    assert code == 1 and err == ""
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"]["code"] == "time_in_future"
    assert results[1]["error"]["rule"] is None and results[1]["error"]["field"] == "at"
    code, out, _ = cli(capsys, "verify", "--db", db_url, "--no-progress")
    assert code == 0 and json.loads(out)["ok"] is True
    # The same line with --allow-future-times is recorded (a simulation's choice).
    feed.write_text(json.dumps(lines[1]) + "\n")
    code, out, _ = cli(capsys, "apply", str(feed), "--db", db_url, "--use-command-time",
                       "--allow-future-times")
    assert code == 0 and json.loads(out)["ok"] is True
