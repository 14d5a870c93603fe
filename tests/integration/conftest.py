"""The worked scenario on each backend, once per module: a SQLite file, or a PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import pg_schema_url
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from scenario_ledger import module_scenario_dir


def apply_scenario(url: str, name: str = "family_recovery_pool.jsonl") -> LedgerApplication:
    ledger = open_ledger(url)
    lines = (module_scenario_dir() / name).read_text(encoding="utf-8").splitlines()
    list(apply_lines(ledger, lines, use_command_time=True))
    return ledger


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scenario(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerApplication]:
    """The worked scenario applied with its command times, on each backend."""
    if request.param == "sqlite":
        ledger = apply_scenario(f"sqlite:///{tmp_path_factory.mktemp('s') / 'ledger.db'}")
        yield ledger
        ledger.close()
        return
    with pg_schema_url(request) as url:
        ledger = apply_scenario(url)
        try:
            yield ledger
        finally:
            ledger.close()


def months(first: str = "2026-04", last: str = "2027-05") -> list[str]:
    """Calendar months from `first` to `last`, both included."""
    year, month = map(int, first.split("-"))
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found

