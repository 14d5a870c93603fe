"""The example general-ledger interface (examples/feed_to_journals.py): following the feed it
stages exactly the journals `export journals` gives, and a crash part-way repeats nothing."""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "feed_to_journals.py"


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("feed_to_journals", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_stages_the_exported_journals_and_is_idempotent(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "second run: 0 new lines" in done.stdout
    assert "replayed from position 0: 0 new lines" in done.stdout
    assert "match `export journals` for 9 months: True" in done.stdout


def test_a_crash_part_way_loses_nothing_and_repeats_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = example()
    url = module.scenario_ledger(tmp_path)
    staging = tmp_path / "staging.db"
    real, calls = module.lines_for, []

    def crashing(conn: sqlite3.Connection, change: Any) -> Any:
        calls.append(change.position)
        if len(calls) == 110:  # part-way through a page
            raise RuntimeError("power cut")
        return real(conn, change)

    monkeypatch.setattr(module, "lines_for", crashing)
    with pytest.raises(RuntimeError):
        module.follow(url, staging, 25)
    (position,) = sqlite3.connect(staging).execute("SELECT last FROM position").fetchone()
    assert position == 100  # four pages committed, the fifth rolled back
    monkeypatch.setattr(module, "lines_for", real)
    module.follow(url, staging, 25)
    assert module.matches_export(url, staging, "FRP") == (9, True)
