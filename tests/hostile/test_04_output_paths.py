"""Finding 4: output over the ledger. `board-pack -o` and `export -o` never write over the
database (nor any SQLite file) and replace an existing file only with `--force`; `demo`
replaces only a ledger it made.

Seen failing before the fix: `board-pack ... -o victim.db` (and `export ... -o`) overwrote the
database with HTML; `demo --db-file existing.db` deleted a real ledger without asking."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.hostile.support import cli, scenario_ledger

WRITERS = [
    ["board-pack", "--pool", "FRP", "--year", "2026-27"],
    ["export", "ledger", "--pool", "FRP", "--year", "2026-27"],
    ["export", "transparency", "--pool", "FRP", "--quarter", "2026-Q3"],
    ["export", "journals", "--pool", "FRP", "--month", "2026-07"],
]


@pytest.fixture
def ledger_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "victim.db"
    scenario_ledger(capsys, f"sqlite:///{path}")
    return path


def _stored(path: Path) -> list[tuple[object, ...]]:
    """Every stored event row, read through SQLite (the write-ahead log included: the file's
    own bytes change when SQLite checkpoints, whoever wrote last)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT * FROM stored_events ORDER BY 1, 2").fetchall()
    conn.close()
    return rows


def _verifies(capsys: pytest.CaptureFixture[str], path: Path) -> bool:
    code, out, _ = cli(capsys, "verify", "--db", f"sqlite:///{path}", "--no-progress")
    return code == 0 and json.loads(out)["events_checked"] > 100


@pytest.mark.parametrize("argv", WRITERS, ids=lambda a: " ".join(a[:2]))
@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_never_over_the_database(
    ledger_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str], force: bool
) -> None:
    before = _stored(ledger_file)
    for target in (ledger_file, Path(f"{ledger_file}-wal")):
        code, _, err = cli(capsys, *argv, "--db", f"sqlite:///{ledger_file}", "-o", str(target),
                           *(["--force"] if force else []))
        assert code == 2 and "refusing to write over" in err, err
    assert _stored(ledger_file) == before
    assert _verifies(capsys, ledger_file)


@pytest.mark.parametrize("argv", WRITERS, ids=lambda a: " ".join(a[:2]))
def test_never_over_another_sqlite_file_even_with_force(
    ledger_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    other = tmp_path / "other-ledger.db"
    scenario_ledger(capsys, f"sqlite:///{other}")
    before = _stored(other)
    code, _, err = cli(capsys, *argv, "--db", f"sqlite:///{ledger_file}", "-o", str(other),
                       "--force")
    assert code == 2 and "it is a SQLite database" in err
    assert _stored(other) == before


@pytest.mark.parametrize("argv", WRITERS, ids=lambda a: " ".join(a[:2]))
def test_an_existing_file_is_replaced_only_with_force(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    scenario_ledger(capsys, db_url)
    target = tmp_path / "out.txt"
    target.write_text("keep me\n")
    code, _, err = cli(capsys, *argv, "--db", db_url, "-o", str(target))
    assert code == 2 and "pass --force" in err
    assert target.read_text() == "keep me\n"
    code, _, err = cli(capsys, *argv, "--db", db_url, "-o", str(target), "--force")
    assert code == 0, err
    assert target.read_text() != "keep me\n"


def test_demo_refuses_a_real_ledger_and_reruns_over_its_own(
    ledger_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _stored(ledger_file)
    code, out, err = cli(capsys, "demo", "--db-file", str(ledger_file))
    assert code == 2 and "not a ledger made by `pooledbudget demo`" in err
    assert _stored(ledger_file) == before and _verifies(capsys, ledger_file)
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    code, _, err = cli(capsys, "demo", "--db-file", str(notes))
    assert code == 2 and notes.read_text() == "mine\n"

    demo = tmp_path / "demo.db"
    for _ in range(2):  # a second run replaces the first run's ledger and pack
        code, out, err = cli(capsys, "demo", "--db-file", str(demo))
        assert code == 0, err
        assert "10 rejected as the scenario intends" in out
    assert _verifies(capsys, demo)


def test_demo_does_not_replace_a_page_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "fresh.html"
    page.write_text("<p>someone's page</p>")
    code, _, err = cli(capsys, "demo", "--db-file", str(tmp_path / "fresh.db"))
    assert code == 2 and "was not written by an earlier demo" in err
    assert page.read_text() == "<p>someone's page</p>"
    assert not (tmp_path / "fresh.db").exists()
