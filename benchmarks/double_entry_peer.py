"""A plain-SQL double-entry ledger, written here as the peer the ledger's import is measured against.

Accounts with balances; every line of a feed is one transfer row and two entry rows (the debit,
negative, and the credit, positive, in whole pence). Lines are posted in batches (100 by
default), each batch in one transaction: one multi-row INSERT per table (new accounts, transfers,
entries) and one balance UPDATE per account the batch touched. No COPY, no hashing, no rules: what
an application that keeps only balances and a journal would write for the same feed.

The same code runs on PostgreSQL (psycopg 3, as the ledger uses) and on SQLite (the standard
library's driver), so its lines/s can be set beside the ledger's on the same database in the same
run (`benchmarks.runner`'s `import_vs_peer`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

BATCH = 100  # lines a transaction

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS peer_accounts (id TEXT PRIMARY KEY, balance BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS peer_transfers (id BIGINT PRIMARY KEY, reference TEXT NOT NULL "
    "UNIQUE, kind TEXT NOT NULL, pence BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS peer_entries (id BIGINT PRIMARY KEY, transfer_id BIGINT NOT NULL "
    "REFERENCES peer_transfers (id), account_id TEXT NOT NULL REFERENCES peer_accounts (id), "
    "pence BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS peer_entries_account ON peer_entries (account_id)",
)


@dataclass(frozen=True)
class Line:
    """One transfer: `pence` from `debit` to `credit` (never negative)."""

    reference: str
    kind: str
    debit: str
    credit: str
    pence: int


def _pence(amount: Any) -> int:
    return int(Decimal(str(amount)) * 100) if amount is not None else 0


def line_for(command: dict[str, Any], spent: dict[str, tuple[str, int]] | None = None) -> Line:
    """A feed line as a transfer between the accounts it names: contributions from a partner to
    the pool, spend from a decision to the pool's payments (a reversal back again, for the amount
    `spent` remembers of that invoice), every other command a zero transfer between the pool and
    the decision or partner it concerns (still a row and two entries)."""
    kind = command["command"]
    pool_id = command["pool_id"]
    pool, paid = f"pool:{pool_id}", f"payments:{pool_id}"
    reference = command["command_id"]
    spent = {} if spent is None else spent
    if kind in ("PledgeContribution", "ReceiveContribution"):
        return Line(reference, kind, f"partner:{command['partner']}", pool,
                    _pence(command.get("amount")))
    if kind == "RecordSpend":
        decision = f"decision:{pool_id}:{command['decision_id']}"
        pence = _pence(command.get("amount"))
        spent[f"{pool_id}:{command['invoice_ref']}"] = (decision, pence)
        return Line(reference, kind, decision, paid, pence)
    if kind == "ReverseSpend":
        decision, pence = spent.get(f"{pool_id}:{command['invoice_ref']}", (pool, 0))
        return Line(reference, kind, paid, decision, pence)
    other = command.get("decision_id") or command.get("partner") or "host"
    return Line(reference, kind, pool, f"{kind.lower()}:{pool_id}:{other}", 0)


def lines_from_feed(feed: Iterable[str]) -> list[Line]:
    spent: dict[str, tuple[str, int]] = {}
    return [line_for(json.loads(text), spent) for text in feed]


def batches(lines: Sequence[Line], size: int = BATCH) -> Iterator[Sequence[Line]]:
    for start in range(0, len(lines), size):
        yield lines[start:start + size]


class Peer:
    """The peer's tables on one database: a PostgreSQL URL (`?schema=name` honoured) or a
    SQLite URL or path."""

    def __init__(self, url: str) -> None:
        self.kind = "postgresql" if url.startswith("postgres") else "sqlite"
        self._conn: Any
        if self.kind == "postgresql":
            import psycopg

            schema = parse_qs(urlsplit(url).query).get("schema", [None])[0]
            self._conn = psycopg.connect(url.split("?")[0])
            if schema:
                self._conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                self._conn.execute(f'SET search_path TO "{schema}"')
            self._mark = "%s"
        else:
            path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url
            self._conn = sqlite3.connect(path, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")  # as the ledger's SQLite store
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._mark = "?"
        for statement in SCHEMA:
            self._conn.execute(statement)
        if self.kind == "postgresql":
            self._conn.commit()
        row = self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM peer_transfers").fetchone()
        self._next_transfer = int(row[0]) + 1
        row = self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM peer_entries").fetchone()
        self._next_entry = int(row[0]) + 1
        if self.kind == "postgresql":
            self._conn.commit()

    def _values(self, rows: int, columns: int) -> str:
        one = "(" + ", ".join([self._mark] * columns) + ")"
        return ", ".join([one] * rows)

    def post(self, batch: Sequence[Line]) -> None:
        """One transaction: new accounts, the transfers, their entries (one INSERT each), then
        one UPDATE per account touched."""
        if not batch:
            return
        moved: dict[str, int] = {}
        transfers: list[Any] = []
        entries: list[Any] = []
        for line in batch:
            transfer = self._next_transfer
            self._next_transfer += 1
            transfers += (transfer, line.reference, line.kind, line.pence)
            entries += (self._next_entry, transfer, line.debit, -line.pence,
                        self._next_entry + 1, transfer, line.credit, line.pence)
            self._next_entry += 2
            moved[line.debit] = moved.get(line.debit, 0) - line.pence
            moved[line.credit] = moved.get(line.credit, 0) + line.pence
        accounts = [value for account in moved for value in (account, 0)]
        conn = self._conn
        if self.kind == "sqlite":
            conn.execute("BEGIN")
        try:
            conn.execute(f"INSERT INTO peer_accounts (id, balance) VALUES "
                         f"{self._values(len(moved), 2)} ON CONFLICT (id) DO NOTHING", accounts)
            conn.execute(f"INSERT INTO peer_transfers (id, reference, kind, pence) VALUES "
                         f"{self._values(len(batch), 4)}", transfers)
            conn.execute(f"INSERT INTO peer_entries (id, transfer_id, account_id, pence) VALUES "
                         f"{self._values(2 * len(batch), 4)}", entries)
            update = (f"UPDATE peer_accounts SET balance = balance + {self._mark} "
                      f"WHERE id = {self._mark}")
            for account, pence in moved.items():
                conn.execute(update, (pence, account))
        except BaseException:
            conn.rollback() if self.kind == "postgresql" else conn.execute("ROLLBACK")
            raise
        conn.commit() if self.kind == "postgresql" else conn.execute("COMMIT")

    def post_all(self, lines: Sequence[Line], size: int = BATCH) -> int:
        for batch in batches(lines, size):
            self.post(batch)
        return len(lines)

    def balances(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT id, balance FROM peer_accounts").fetchall()
        self._end_read()
        return {account: int(balance) for account, balance in rows}

    def entry_sums(self) -> dict[str, int]:
        rows = self._conn.execute(
            "SELECT account_id, SUM(pence) FROM peer_entries GROUP BY account_id").fetchall()
        self._end_read()
        return {account: int(total) for account, total in rows}

    def unbalanced_transfers(self) -> int:
        """Transfers whose entries do not cancel, or that have other than two entries."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM (SELECT t.id FROM peer_transfers t LEFT JOIN peer_entries e "
            "ON e.transfer_id = t.id GROUP BY t.id "
            "HAVING COUNT(e.id) <> 2 OR COALESCE(SUM(e.pence), 0) <> 0) AS bad").fetchone()
        self._end_read()
        return int(row[0])

    def counts(self) -> tuple[int, int]:
        transfers = self._conn.execute("SELECT COUNT(*) FROM peer_transfers").fetchone()[0]
        entries = self._conn.execute("SELECT COUNT(*) FROM peer_entries").fetchone()[0]
        self._end_read()
        return int(transfers), int(entries)

    def _end_read(self) -> None:
        if self.kind == "postgresql":
            self._conn.commit()

    def close(self) -> None:
        self._conn.close()
