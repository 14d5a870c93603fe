"""The instruction-count benchmark's plumbing, run without valgrind (which CI need not have):
the count it reads, the ledger it builds and the work its children do."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import instructions  # noqa: E402


def test_the_count_is_read_from_cachegrinds_summary() -> None:
    out = "==18926== \n==18926== I   refs:      1,773,695,186\n"
    assert instructions.refs(out) == 1_773_695_186
    with pytest.raises(ValueError, match="no instruction count"):
        instructions.refs("==1== ERROR SUMMARY: 0 errors")


def test_the_ledger_is_built_with_no_read_models_and_no_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    events = instructions.build_ledger(str(path), "tiny")
    assert events > 100
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    with sqlite3.connect(path) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert "pb_spends" in tables  # created again, empty
        assert conn.execute("SELECT count(*) FROM pb_spends").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM stored_events").fetchone() == (events,)


@pytest.mark.parametrize("work", ["catch_up", "decode", "none"])
def test_each_child_does_its_work_and_leaves_the_read_models_empty(tmp_path: Path,
                                                                  work: str) -> None:
    path = tmp_path / "ledger.db"
    instructions.build_ledger(str(path), "tiny")
    instructions.child(str(path), work, 2)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM pb_spends").fetchone() == (0,)


def test_without_valgrind_nothing_is_counted(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(instructions.shutil, "which", lambda _: None)
    assert instructions.main(["--size", "tiny"]) == 2
    assert "valgrind is not on the PATH" in capsys.readouterr().err
