"""The worked scenario's reports through the CLI: every figure of expected.json, live and as at."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.cli import main
from pooledbudget.projections import ReadModelStore
from scenario_figures import as_expected

YEAR = "2026-27"
KINDS = {"shares": "shares", "cost_shift": "cost-shift", "risk_share": "risk-share"}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def report(capsys: pytest.CaptureFixture[str], db: str, kind: str, *extra: str) -> dict[str, Any]:
    code, out = cli(capsys, "report", kind, "--pool", "FRP", "--db", db, *extra)
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data


def without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The report without `keys`; a shares report also without `contingent`, after checking it
    is 0.00 in every row and the total (R34: this scenario has no outcome elements, and its
    expected file predates the figure)."""
    if "partners" in data and "total" in data:
        rows = [*data["partners"], data["total"]]
        assert [row.pop("contingent") for row in rows] == ["0.00"] * len(rows)
    return {k: v for k, v in data.items() if k not in keys}


@pytest.fixture
def expected(scenario_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((scenario_dir / "family_recovery_pool.expected.json").read_text())
    return data


@pytest.fixture
def scenario_db(db_url: str, scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    db = db_url
    code, _ = cli(capsys, "apply", str(scenario_dir / "family_recovery_pool.jsonl"), "--db", db,
                  "--use-command-time")
    assert code == 1  # the scenario's intended failures
    return db


def test_final_reports_match_expected(
    scenario_db: str, expected: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """R19-R21: after the whole file, shares, cost shift and risk share for 2026-27 and approvals
    as of 2027-02-10 are exactly the expected figures, in the wire format's shapes."""
    final = expected["final"]
    for key, kind in KINDS.items():
        assert final[key], key
        for want in final[key]:  # one report per year
            got = report(capsys, scenario_db, kind, "--year", want["year"])
            assert got["pool"] == "FRP"
            assert without(got, "pool", "as_at") == want, kind
    approvals = report(capsys, scenario_db, "approvals", "--as-of", "2027-02-10")
    assert approvals["as_of"] == "2027-02-10"
    assert as_expected(without(approvals, "pool"), final["approvals"]) == final["approvals"]


def test_as_at_reports_match_expected_and_leave_live_models_alone(
    scenario_db: str, expected: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """R22: the reports as the ledger stood at the given recording time match expected.json's
    `as_at`, and asking for them does not change what the live reports say."""
    as_at = expected["as_at"]
    live_before = {kind: report(capsys, scenario_db, kind, "--year", YEAR) for kind in KINDS.values()}
    for key, kind in KINDS.items():
        assert as_at[key], key
        for want in as_at[key]:
            got = report(capsys, scenario_db, kind, "--year", want["year"], "--as-at", as_at["time"])
            assert without(got, "pool", "as_at") == want, kind
    assert {kind: report(capsys, scenario_db, kind, "--year", YEAR)
            for kind in KINDS.values()} == live_before


def test_rebuild_gives_the_same_reports(
    scenario_db: str, expected: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Dropping and rebuilding every read model reproduces the final figures."""
    code, out = cli(capsys, "projections", "rebuild", "--db", scenario_db)
    assert code == 0
    assert json.loads(out.splitlines()[-1])["events_applied"] > 0
    for key, kind in KINDS.items():
        for want in expected["final"][key]:
            got = report(capsys, scenario_db, kind, "--year", want["year"])
            assert without(got, "pool", "as_at") == want


def applied_position(db: str) -> int | None:
    ledger = open_ledger(db)
    try:
        return ReadModelStore.for_database(ledger.database).max_tracking_id(ledger.name)  # type: ignore[arg-type]
    finally:
        ledger.close()


def test_projections_run_apart_from_apply(
    db_url: str, scenario_dir: Path, expected: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """With `apply --no-projections` the read models stay untouched until `projections run`
    catches up with every recorded event."""
    db = db_url
    cli(capsys, "apply", str(scenario_dir / "family_recovery_pool.jsonl"), "--db", db,
        "--use-command-time", "--no-projections")
    assert applied_position(db) is None
    code, _ = cli(capsys, "projections", "run", "--until-idle", "--db", db)
    assert code == 0
    ledger = open_ledger(db)
    last = ledger.recorder.max_notification_id()
    ledger.close()
    assert applied_position(db) == last
    got = report(capsys, db, "shares", "--year", YEAR)
    assert [without(got, "pool", "as_at")] == expected["final"]["shares"]


def test_csv_and_table_show_the_json_figures(
    scenario_db: str, expected: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The CSV rows carry exactly the JSON figures; the table shows them to people."""
    code, out = cli(capsys, "report", "shares", "--pool", "FRP", "--year", YEAR, "--db", scenario_db,
                    "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    [shares] = expected["final"]["shares"]
    assert [row.pop("contingent") for row in rows] == ["0.00"] * len(rows)
    assert rows[:-1] == shares["partners"]
    assert rows[-1]["partner"] == "total"
    assert rows[-1]["spent"] == shares["total"]["spent"]
    code, out = cli(capsys, "report", "cost-shift", "--pool", "FRP", "--year", YEAR, "--db",
                    scenario_db, "--format", "table")
    assert code == 0
    [cost_shift] = expected["final"]["cost_shift"]
    for amount in cost_shift["net"].values():
        assert amount in out


@pytest.mark.parametrize(("args", "message"), [
    (["report", "shares", "--pool", "FRP"], "--year"),
    (["report", "shares", "--pool", "FRP", "--year", YEAR, "--as-at", "yesterday"], "ISO-8601"),
    (["report", "approvals", "--pool", "FRP", "--as-of", "10/02/2027"], "YYYY-MM-DD"),
    (["report", "shares", "--pool", "NOPE", "--year", YEAR], "no pool"),
])
def test_report_usage_errors_exit_2_with_a_message(
    scenario_db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A bad report request is a usage error naming what is wrong, never a traceback."""
    assert main([*args, "--db", scenario_db]) == 2
    assert message in capsys.readouterr().err
