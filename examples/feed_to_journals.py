"""A general-ledger interface that follows the change feed and turns it into journals, idempotently.

    python examples/feed_to_journals.py [--db URL] [--staging staging.db] [--page 25]

The interface keeps its own SQLite staging database: the journal lines it has produced, what it
needs to remember from earlier events (each decision's year and category, each spend's funded
parts, the pool's partners and host), and the feed position it has handled. Each page of the feed
is applied in ONE staging transaction together with the new position, so a crash at any moment
loses nothing and repeats nothing: the next run resumes from the last committed position. Lines
are keyed by (journal_id, line), and journal ids come from feed positions, so even a consumer
that has lost its position and replays the feed from 0 adds no line twice.

Without `--db` it builds the packaged worked scenario into a fresh SQLite ledger. It then checks
that the lines it produced, month by month, are exactly what `export journals` gives.
Uses only the public API: `open_ledger`, `LedgerApplication.changes`, `pooledbudget.journals`.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from datetime import date, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from pooledbudget import configure_logging, open_ledger
from pooledbudget.feed import Change
from pooledbudget.journals import (
    JournalLine,
    journal_lines_for,
    journals,
    receipt_posting,
    spend_postings,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS position (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER);
CREATE TABLE IF NOT EXISTS pools (pool TEXT PRIMARY KEY, host TEXT, partners TEXT);
CREATE TABLE IF NOT EXISTS decisions (pool TEXT, decision_id TEXT, year TEXT, category TEXT,
    PRIMARY KEY (pool, decision_id));
CREATE TABLE IF NOT EXISTS spends (pool TEXT, invoice_ref TEXT, decision_id TEXT,
    element TEXT, service_date TEXT, funded TEXT, PRIMARY KEY (pool, invoice_ref));
CREATE TABLE IF NOT EXISTS journal_lines (journal_id TEXT, line INTEGER, partner TEXT,
    period TEXT, posting_date TEXT, line_type TEXT, account TEXT, cost_centre TEXT,
    debit TEXT, credit TEXT, description TEXT, source TEXT, PRIMARY KEY (journal_id, line));
"""


def pence(text: str) -> int:
    return int(Decimal(text) * 100)


def lines_for(staging: sqlite3.Connection, change: Change) -> list[JournalLine]:
    """Remembers what later events need, and returns the journal lines this change makes."""
    fields, pool = change.fields, change.pool or ""
    if change.event == "PoolEstablished":
        codes = [p["code"] for p in fields["partners"]]
        staging.execute("INSERT OR REPLACE INTO pools VALUES (?, ?, ?)",
                        (pool, fields["host"], json.dumps(codes)))
    elif change.event == "PartnerJoined":
        (codes_text,) = staging.execute("SELECT partners FROM pools WHERE pool = ?",
                                        (pool,)).fetchone()
        codes = [*json.loads(codes_text), fields["partner"]]
        staging.execute("UPDATE pools SET partners = ? WHERE pool = ?", (json.dumps(codes), pool))
    elif change.event == "DecisionProposed":
        staging.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?)",
                        (pool, fields["decision_id"], fields["year"], fields["category"]))
    spend = change.event in ("SpendRecorded", "OutcomeRecorded")  # an outcome payment is spend
    if not spend and change.event not in ("SpendReversed", "ContributionReceived"):
        return []
    host, codes_text = staging.execute("SELECT host, partners FROM pools WHERE pool = ?",
                                       (pool,)).fetchone()
    order = json.loads(codes_text)
    if change.event == "ContributionReceived":
        postings = [receipt_posting(
            position=change.position, recorded_at=change.recorded_at, partner=fields["partner"],
            year=fields["year"], pence=pence(fields["amount"]), reference=fields["reference"],
            received_on=date.fromisoformat(fields["received_on"]))]
    else:
        if spend:
            staging.execute("INSERT OR REPLACE INTO spends VALUES (?, ?, ?, ?, ?, ?)", (
                pool, fields["invoice_ref"], change.subject_id, fields["element"],
                fields["service_date"],
                json.dumps({code: pence(v) for code, v in fields["funding"].items()})))
        decision_id, element, service_date, funded = staging.execute(
            "SELECT decision_id, element, service_date, funded FROM spends "
            "WHERE pool = ? AND invoice_ref = ?", (pool, fields["invoice_ref"])).fetchone()
        year, category = staging.execute(
            "SELECT year, category FROM decisions WHERE pool = ? AND decision_id = ?",
            (pool, decision_id)).fetchone()
        postings = spend_postings(
            position=change.position, recorded_at=change.recorded_at, year=year,
            category=category, decision_id=decision_id, invoice_ref=fields["invoice_ref"],
            element=element, service_date=date.fromisoformat(service_date),
            funded=json.loads(funded), order=order,
            reversal_reason=change.reason if change.event == "SpendReversed" else None)
    return [line for p in postings for line in journal_lines_for(p, pool, host)]


def follow(ledger_url: str, staging_path: Path, page: int, replay: bool = False) -> int:
    """Applies every change after the stored position (from 0 if `replay`); returns how many
    journal lines were new."""
    ledger = open_ledger(ledger_url)
    staging = sqlite3.connect(staging_path)
    staging.executescript(SCHEMA)
    new = 0
    try:
        row = staging.execute("SELECT last FROM position").fetchone()
        last = 0 if replay or row is None else row[0]
        while batch := list(ledger.changes(after=last, limit=page)):
            with staging:  # one transaction: the page's lines, state and position together
                for change in batch:
                    lines = lines_for(staging, change)
                    for number, line in enumerate(lines, start=1):
                        new += staging.execute(
                            "INSERT OR IGNORE INTO journal_lines VALUES "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (line.journal_id, number, *line.row()[1:])).rowcount
                last = batch[-1].position
                staging.execute("INSERT OR REPLACE INTO position VALUES (1, ?)", (last,))
    finally:
        staging.close()
        ledger.close()
    return new


def matches_export(ledger_url: str, staging_path: Path, pool: str) -> tuple[int, bool]:
    """Compares the staged lines with `export journals`, month by month."""
    staging = sqlite3.connect(staging_path)
    staged = staging.execute("SELECT journal_id, partner, period, posting_date, line_type, "
                             "account, cost_centre, debit, credit, description, source "
                             "FROM journal_lines ORDER BY journal_id, line").fetchall()
    staging.close()
    months = sorted({row[3][:7] for row in staged})
    ledger = open_ledger(ledger_url)
    try:
        exported = [tuple(line.row()) for month in months
                    for line in journals(ledger, pool, month)]
    finally:
        ledger.close()
    return len(months), sorted(exported) == sorted(staged)


def scenario_ledger(directory: Path) -> str:
    from pooledbudget.batch import apply_lines

    url = f"sqlite:///{directory / 'ledger.db'}"
    ledger = open_ledger(url)
    text = (files("pooledbudget") / "scenarios" / "family_recovery_pool.jsonl").read_text("utf-8")
    list(apply_lines(ledger, text.splitlines(), use_command_time=True))
    ledger.close()
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="ledger URL (default: the worked scenario, built afresh)")
    parser.add_argument("--staging", type=Path, help="staging database (default: a new file)")
    parser.add_argument("--pool", default="FRP", help="the pool to check against the export")
    parser.add_argument("--page", type=int, default=25, help="changes per staging transaction")
    args = parser.parse_args(argv)
    configure_logging("off")
    work = Path(tempfile.mkdtemp())
    url = args.db or scenario_ledger(work)
    staging = args.staging or work / "staging.db"
    started = datetime.now()
    print(f"first run: {follow(url, staging, args.page)} journal lines staged")
    print(f"second run: {follow(url, staging, args.page)} new lines (nothing new recorded)")
    print(f"replayed from position 0: {follow(url, staging, args.page, replay=True)} new lines")
    count, same = matches_export(url, staging, args.pool)
    print(f"staged lines match `export journals` for {count} months: {same}")
    print(f"({(datetime.now() - started).total_seconds():.1f} s)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
