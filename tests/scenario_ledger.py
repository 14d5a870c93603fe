"""The worked scenario applied (with command times) to a fresh SQLite ledger, for pack/export tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines


def module_scenario_dir() -> Path:
    """As conftest's `scenario_dir`, for module-scoped fixtures: the shared copy beside the
    repository, else the repo copy."""
    repo = Path(__file__).resolve().parents[1]
    shared = repo.parent / "shared" / "scenarios"
    return shared if shared.is_dir() else repo / "tests" / "scenarios" / "data"


def scenario_ledger(scenario_dir: Path, db: Path) -> Iterator[LedgerApplication]:
    ledger = open_ledger(f"sqlite:///{db}")
    lines = (scenario_dir / "family_recovery_pool.jsonl").read_text(encoding="utf-8").splitlines()
    list(apply_lines(ledger, lines, use_command_time=True))
    try:
        yield ledger
    finally:
        ledger.close()


def expected(scenario_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (scenario_dir / "family_recovery_pool.expected.json").read_text(encoding="utf-8"))
    return data


def scenario_commands(scenario_dir: Path) -> list[dict[str, Any]]:
    text = (scenario_dir / "family_recovery_pool.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
