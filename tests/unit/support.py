"""Extra helpers for the rule-by-rule unit tests: other pools, reports by partner, stored events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pooledbudget import reports
from pooledbudget.application import LedgerApplication

from .helpers import POOL, YEAR, Cmd


def in_pool(command: Cmd, pool_id: str) -> Cmd:
    """The same command addressed to another pool."""
    return {**command, "pool_id": pool_id}


def with_id(command: Cmd, command_id: str) -> Cmd:
    return {**command, "command_id": command_id}


def shares_by_partner(ledger: LedgerApplication, year: str = YEAR) -> dict[str, dict[str, str]]:
    """The shares report (R19) as {partner: {figure: value}}."""
    report = reports.shares(ledger, POOL, year)
    return {row.partner: row.model_dump() for row in report.partners}


def figure(ledger: LedgerApplication, name: str, year: str = YEAR) -> dict[str, Decimal]:
    """One figure of the shares report (e.g. `spent`, `committed`) by partner, as Decimals."""
    return {code: Decimal(row[name]) for code, row in shares_by_partner(ledger, year).items()}


def risk_share(ledger: LedgerApplication, year: str = YEAR) -> Any:
    return reports.risk_share(ledger, POOL, year)


def pool_events(ledger: LedgerApplication) -> list[Any]:
    return list(ledger.events.get(ledger.pool(POOL).id))


def event_names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def dec(**parts: str) -> dict[str, Decimal]:
    return {code: Decimal(value) for code, value in parts.items()}
