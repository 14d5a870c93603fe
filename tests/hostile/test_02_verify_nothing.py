"""Finding 2: `verify` said ok about nothing. Reading commands never create a database; a
missing one or an unknown pool is exit 2; on a read-only file they answer from what is stored.

Seen failing before the fix: `verify --db sqlite:///typo.db` created typo.db and printed
`"ok": true, "events_checked": 0` (exit 0); so did `--pool NOPE`; `report` made a file."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from tests.hostile.support import cli, make_read_only, run_without_root_override, scenario_ledger

READERS = [
    ["verify", "--no-progress"],
    ["history", "--format", "json"],
    ["report", "shares", "--year", "2026-27"],
    ["report", "approvals"],
    ["export", "ledger", "--year", "2026-27"],
    ["export", "transparency", "--quarter", "2026-Q3"],
]


def _with_pool(argv: list[str], pool: str) -> list[str]:
    return [*argv, "--pool", pool]


@pytest.mark.parametrize("argv", READERS, ids=lambda a: " ".join(a[:2]))
def test_a_mistyped_sqlite_path_is_exit_2_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    typo = tmp_path / "typo.db"
    code, out, err = cli(capsys, *_with_pool(argv, "FRP"), "--db", f"sqlite:///{typo}")
    assert code == 2 and out == ""
    assert "no ledger at" in err and str(typo) in err
    assert list(tmp_path.iterdir()) == []


def test_board_pack_on_a_mistyped_path_writes_neither_database_nor_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "board-pack", "--pool", "FRP", "--year", "2026-27", "--db",
                       f"sqlite:///{tmp_path / 'typo.db'}", "-o", str(tmp_path / "pack.html"))
    assert code == 2 and "no ledger at" in err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_or_a_file_that_is_not_a_ledger_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "verify", "--db", f"sqlite:///{tmp_path / 'nodir' / 'x.db'}")
    assert code == 2 and "no directory" in err
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    code, _, err = cli(capsys, "verify", "--db", f"sqlite:///{notes}")
    assert code == 2 and "not a SQLite database" in err
    assert notes.read_text() == "not a database\n"


def test_a_postgresql_schema_without_a_ledger_is_exit_2_and_is_not_created(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import pg_base_url

    base = pg_base_url(request)
    url = f"{base}?schema=typo_never_made"
    for argv in READERS:
        code, out, err = cli(capsys, *_with_pool(argv, "FRP"), "--db", url)
        assert code == 2 and out == "" and "no ledger in schema 'typo_never_made'" in err, argv
    with psycopg.connect(base) as conn:
        found = conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                             ("typo_never_made",)).fetchone()
    assert found is None


@pytest.mark.parametrize("argv", [*READERS, ["board-pack", "--year", "2026-27"]],
                         ids=lambda a: " ".join(a[:2]))
def test_an_unknown_pool_is_exit_2_on_each_backend(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    scenario_ledger(capsys, db_url)
    extra = ["-o", str(tmp_path / "pack.html")] if argv[0] == "board-pack" else []
    code, out, err = cli(capsys, *_with_pool(argv, "NOPE"), "--db", db_url, *extra)
    assert code == 2 and out == ""
    assert "no pool 'NOPE'" in err
    code, out, _ = cli(capsys, "verify", "--db", db_url, "--pool", "FRP", "--no-progress")
    assert code == 0 and json.loads(out)["events_checked"] > 100


@pytest.mark.parametrize("read_only_directory", [False, True], ids=["file", "directory"])
def test_reading_commands_answer_from_a_read_only_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], read_only_directory: bool
) -> None:
    """Read-only (chmod, with the root override dropped): verify, history, a report and an
    export answer from what is stored; the report says its read models may be behind (here
    one command's events are recorded but not projected); apply is refused, exit 2."""
    home = tmp_path / "ledger"
    home.mkdir()
    db = home / "ledger.db"
    url = f"sqlite:///{db}"
    scenario_ledger(capsys, url)
    line = home / "late.jsonl"
    line.write_text(json.dumps({
        "command": "ProposeDecision", "pool_id": "FRP", "decision_id": "LATE-1",
        "year": "2027-28", "case_ref": "CASE-9001", "category": "respite", "start": "2027-05-01",
        "planned_end": "2027-06-30", "cost": {"total": "100.00"}, "funding": {"ASC": "100"},
        "actor": {"id": "pm-asc-01", "partner": "ASC", "role": "pool_manager"},
        "at": "2027-05-01T09:00:00"}) + "\n")
    code, out, _ = cli(capsys, "apply", str(line), "--db", url, "--no-projections",
                       "--use-command-time", "--allow-future-times")
    assert code == 0, out
    files = [db, *(p for p in home.glob("ledger.db-*"))]
    make_read_only(*files, *([home] if read_only_directory else []))
    try:
        verify = run_without_root_override(["verify", "--db", url, "--no-progress"])
        assert verify.returncode == 0, verify.stderr
        assert json.loads(verify.stdout)["ok"] is True
        report = run_without_root_override(["report", "shares", "--pool", "FRP", "--year",
                                            "2026-27", "--db", url])
        assert report.returncode == 0, report.stderr
        assert json.loads(report.stdout)["total"]["spent"] != "0.00"
        assert "read-only" in report.stderr and "may be behind" in report.stderr
        assert "behind the log" in report.stderr and "Traceback" not in report.stderr
        history = run_without_root_override(["history", "--pool", "FRP", "--format", "json",
                                             "--db", url])
        assert history.returncode == 0, history.stderr
        assert any(json.loads(r)["id"] == "LATE-1" for r in history.stdout.splitlines())
        export = run_without_root_override(["export", "ledger", "--pool", "FRP", "--year",
                                            "2026-27", "--db", url])
        assert export.returncode == 0 and export.stdout.startswith("transaction,"), export.stderr
        refused = run_without_root_override(["apply", str(line), "--db", url])
        assert refused.returncode == 2 and "read-only" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        home.chmod(0o755)
        for path in files:
            path.chmod(0o644)


@pytest.mark.parametrize("argv", [["changes"], ["show", "pool", "--pool", "FRP"],
                                  ["export", "journals", "--pool", "FRP", "--month", "2026-07"]],
                         ids=lambda a: " ".join(a[:2]))
def test_the_integration_commands_never_create_a_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """The change feed, queries and journals read an existing ledger, like the reports."""
    missing = tmp_path / "typo.db"
    code, _, err = cli(capsys, *argv, "--db", f"sqlite:///{missing}")
    assert code == 2, err
    assert not missing.exists()
