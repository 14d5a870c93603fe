"""A board member's what-if: a proposed placement's effect on each partner's forecast and risk share,
before anyone approves it — without writing to the ledger.

    python examples/what_if.py [--db sqlite:///path/ledger.db] [--pool FRP] [--year 2026-27]

How, honestly: the ledger itself is never opened for writing. The program takes a consistent
snapshot of the SQLite database into a temporary file (Python's `sqlite3` backup API, safe while
the ledger is in use), records on that copy the proposal and the approval of every partner it
needs, compares the reports before and after, and deletes the copy. The figures are therefore the
ledger's own (same allocation, commitment and risk-share code), as they would stand if the board
approved the placement now. For PostgreSQL, do the same on a scratch schema restored from
`pg_dump` and pass its URL with `--scratch`: the program writes to whatever it is given, so it
refuses a PostgreSQL URL without that flag.

Without `--db` it builds the packaged worked scenario (Family Recovery Pooled Fund, 2026-27) into a
fresh SQLite file, stopping before the year is closed — the ledger as it stood in February 2027,
when a new placement could still be proposed — and uses that as the source.
Uses only the public API: `open_ledger`, `parse_command`, `parse_json_line`, `reports`.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
from contextlib import suppress
from datetime import timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from pooledbudget import (
    LedgerApplication,
    LedgerError,
    configure_logging,
    open_ledger,
    parse_command,
    parse_json_line,
    reports,
)

MANAGER = {"id": "pm-asc-01", "partner": "ASC", "role": "pool_manager"}
# The proposal under discussion: a mother-and-child placement for the last eight weeks of the year.
PROPOSAL: dict[str, Any] = {
    "command": "ProposeDecision", "actor": MANAGER, "decision_id": "WHATIF-PLA",
    "case_ref": "FRP-0099", "category": "family-residential-rehab",
    "start": "2027-02-01", "planned_end": "2027-03-28",
    "elements": [
        {"name": "adult", "cost": {"weekly": "1150.00", "weeks": 8},
         "funding": {"ASC": "60", "SMS": "40"}, "responsibility": {"ASC": "100"}},
        {"name": "child", "cost": {"weekly": "800.00", "weeks": 8}, "funding": {"CFS": "100"}},
    ],
}


def build_scenario(path: Path) -> None:
    """The worked scenario up to (not including) its year close, into a new SQLite file."""
    ledger = open_ledger(f"sqlite:///{path}")
    try:
        scenario = files("pooledbudget") / "scenarios" / "family_recovery_pool.jsonl"
        for line in scenario.read_text(encoding="utf-8").splitlines():
            if '"command": "CloseYear"' in line:
                break
            # The scenario includes commands the ledger must refuse.
            with suppress(LedgerError):
                ledger.execute(parse_json_line(line), use_command_time=True,
                               allow_future_times=True)
    finally:
        ledger.close()


def snapshot(source: Path, copy: Path) -> int:
    """Copies a SQLite ledger consistently; returns how many events the source holds."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
        return int(src.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    finally:
        src.close()
        dst.close()


def figures(ledger: LedgerApplication, pool: str, year: str) -> dict[str, dict[str, Decimal]]:
    shares = reports.shares(ledger, pool, year)
    risk = reports.risk_share(ledger, pool, year)
    return {row.partner: {"forecast": Decimal(row.forecast),
                          "risk": Decimal(risk.allocation.get(row.partner, "0"))}
            for row in shares.partners}


def approve_proposal(ledger: LedgerApplication, pool: str, year: str) -> None:
    """Records the proposal and every approval it needs, on the copy, just after its last event."""
    last = ledger.last_recorded_time()
    at = (last + timedelta(minutes=1)) if last else None
    partners = sorted({code for element in PROPOSAL["elements"]
                       for code, pct in element["funding"].items() if Decimal(pct) > 0})
    commands = [{**PROPOSAL, "pool_id": pool, "year": year}] + [
        {"command": "ApproveDecision", "pool_id": pool, "decision_id": PROPOSAL["decision_id"],
         "partner": code,
         "actor": {"id": f"bh-{code.lower()}-01", "partner": code, "role": "budget_holder"}}
        for code in partners]
    for number, fields in enumerate(commands):
        if at is not None:
            fields = {**fields, "at": (at + timedelta(seconds=number)).isoformat()}
        ledger.execute(parse_command(fields), use_command_time=at is not None,
                       allow_future_times=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="the ledger (sqlite:///path); default: the worked scenario")
    parser.add_argument("--scratch", action="store_true",
                        help="--db is a scratch copy (e.g. PostgreSQL from pg_dump) it may write to")
    parser.add_argument("--pool", default="FRP")
    parser.add_argument("--year", default="2026-27")
    args = parser.parse_args(argv)
    configure_logging("off")
    work = Path(tempfile.mkdtemp(prefix="what-if-"))
    source: Path | None = None
    events_before: int | None = None
    try:
        if args.db and args.scratch:
            copy_url = args.db
        elif args.db and not args.db.startswith("sqlite:///"):
            print("what_if: only a sqlite:/// ledger is copied; for PostgreSQL restore a pg_dump "
                  "into a scratch schema and pass it with --scratch", file=sys.stderr)
            return 2
        else:
            if args.db:
                source = Path(args.db[len("sqlite:///"):])
            else:
                source = work / "scenario.db"
                build_scenario(source)
            copy = work / "what-if.db"
            events_before = snapshot(source, copy)
            copy_url = f"sqlite:///{copy}"
        ledger = open_ledger(copy_url)
        try:
            before = figures(ledger, args.pool, args.year)
            approve_proposal(ledger, args.pool, args.year)
            after = figures(ledger, args.pool, args.year)
        finally:
            ledger.close()
        untouched = source is None or snapshot_count(source) == events_before
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cost = sum(Decimal(e["cost"]["weekly"]) * e["cost"]["weeks"] for e in PROPOSAL["elements"])
    print(f"What if {PROPOSAL['decision_id']} ({PROPOSAL['category']}, "
          f"{PROPOSAL['start']}..{PROPOSAL['planned_end']}, cost {cost}) were approved now?")
    print(f"{'partner':<8}{'forecast now':>15}{'if approved':>15}{'change':>12}"
          f"{'risk share now':>17}{'if approved':>15}{'change':>12}")
    for partner, now in before.items():
        then = after[partner]
        print(f"{partner:<8}{now['forecast']:>15}{then['forecast']:>15}"
              f"{then['forecast'] - now['forecast']:>12}{now['risk']:>17}{then['risk']:>15}"
              f"{then['risk'] - now['risk']:>12}")
    if events_before is not None:
        print(f"source ledger untouched: {untouched} ({events_before} events before and after)")
    return 0 if untouched else 1


def snapshot_count(source: Path) -> int:
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])


if __name__ == "__main__":
    sys.exit(main())
