"""Finding 11: report arguments. A malformed `--year` is a usage error naming the argument
(exit 2); a year before the pool began is a clear error (exit 2); a later year with no data is
answered (zeros), never a traceback.

Seen failing before the fix: `--year 2026/27` or `2026-28` gave all-zero reports with exit 0;
`board-pack`/`risk-share` for a year before the pool crashed with `ValueError` (weights name
partners outside the order)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.support import cli, scenario_ledger

YEAR_COMMANDS = [
    ["report", "shares"], ["report", "cost-shift"], ["report", "risk-share"],
    ["export", "ledger"], ["board-pack"],
]


@pytest.fixture
def scenario_db(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    scenario_ledger(capsys, db_url)
    return db_url


def _argv(command: list[str], year: str, db: str, tmp_path: Path) -> list[str]:
    out = ["-o", str(tmp_path / f"pack-{year.replace('/', '_')}.html")] \
        if command[0] == "board-pack" else []
    return [*command, "--pool", "FRP", "--year", year, "--db", db, *out]


@pytest.mark.parametrize("year", ["2026/27", "2026-28", "2026", "26-27", "2026-27x"])
@pytest.mark.parametrize("command", YEAR_COMMANDS, ids=" ".join)
def test_a_malformed_year_is_a_usage_error_naming_the_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], year: str
) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    code, out, err = cli(capsys, *_argv(command, year, db, tmp_path))
    assert code == 2 and out == ""
    assert "argument --year" in err and "not a financial year" in err
    assert not (tmp_path / "ledger.db").exists()


@pytest.mark.parametrize("command", YEAR_COMMANDS, ids=" ".join)
def test_a_year_before_the_pool_is_a_clear_error(
    scenario_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, err = cli(capsys, *_argv(command, "2025-26", scenario_db, tmp_path))
    assert code == 2 and out == ""
    assert "starts in 2026-27" in err and "Traceback" not in err


def test_a_later_year_without_data_is_answered_with_zeros(
    scenario_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "report", "risk-share", "--pool", "FRP", "--year", "2030-31",
                         "--db", scenario_db)
    assert code == 0, err
    report = json.loads(out)
    assert report["outturn"] == "0.00" and set(report["allocation"].values()) == {"0.00"}
    code, out, err = cli(capsys, *_argv(["board-pack"], "2030-31", scenario_db, tmp_path))
    assert code == 0, err
    assert (tmp_path / "pack-2030-31.html").read_text().startswith("<!DOCTYPE html>")
