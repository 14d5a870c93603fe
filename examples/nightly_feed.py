"""A nightly finance-system feed: invoices from a CSV export become `RecordSpend` commands.

    python examples/nightly_feed.py [--db URL] [--csv examples/data/invoices.csv] [--pool NFP]
                                    [--strict]

Each row gets a `command_id` made from the pool and its invoice number, so the feed is idempotent
(rule R25, docs/reference/rules.md): running it again after a crash, or over a file that repeats yesterday's rows,
records nothing twice — a repeated row reports "already recorded". The same invoice number with
different content is refused (`command_id_conflict`): someone keyed it twice, differently.

Every row is applied on its own; a row the ledger refuses is reported with its code, rule and
field, and the feed goes on. Exit status 0, or with `--strict` 1 when any row was refused.

Without `--db` it works on a fresh SQLite file in a temporary directory. If the pool does not
exist yet (a fresh ledger) it first sets one up — partners, pledges, a mother-and-child placement
and a scheme, approved — also with command ids, so that is idempotent too.
Uses only the public API: `open_ledger`, `parse_command`, `LedgerError`.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path
from typing import Any

from pooledbudget import LedgerApplication, LedgerError, configure_logging, open_ledger, parse_command

HERE = Path(__file__).resolve().parent
MANAGER = {"id": "finance-feed", "partner": "ASC", "role": "pool_manager"}


def budget_holder(partner: str) -> dict[str, str]:
    return {"id": f"bh-{partner.lower()}-01", "partner": partner, "role": "budget_holder"}


def set_up_pool(ledger: LedgerApplication, pool: str) -> None:
    """A small pool with one placement and one scheme, if `pool` does not exist yet."""
    try:
        ledger.pool(pool)
        return
    except LedgerError as error:
        if error.code != "pool_not_found":
            raise
    partners = [("ASC", "Adult Social Care", "200000.00"),
                ("CFS", "Children and Families Social Care", "150000.00"),
                ("SMS", "Substance Misuse Service", "100000.00")]
    commands: list[dict[str, Any]] = [
        {"command": "EstablishPool", "actor": MANAGER, "pool_id": pool,
         "name": "Nightly Feed Pool", "host": "ASC", "first_year": "2026-27",
         "partners": [{"code": code, "name": name} for code, name, _ in partners]},
        *[{"command": "PledgeContribution", "actor": budget_holder(code), "pool_id": pool,
           "partner": code, "year": "2026-27", "amount": amount}
          for code, _, amount in partners],
        {"command": "ProposeDecision", "actor": MANAGER, "pool_id": pool, "decision_id": "PLA-N1",
         "year": "2026-27", "case_ref": "NFP-0001", "category": "family-residential-rehab",
         "start": "2026-04-27", "planned_end": "2026-10-25",
         "elements": [
             {"name": "adult", "cost": {"weekly": "1150.00", "weeks": 26},
              "funding": {"ASC": "60", "SMS": "40"}, "responsibility": {"ASC": "100"}},
             {"name": "child", "cost": {"weekly": "800.00", "weeks": 26},
              "funding": {"CFS": "100"}}]},
        {"command": "ProposeDecision", "actor": MANAGER, "pool_id": pool,
         "decision_id": "SCH-TEAM", "year": "2026-27", "case_ref": "SCHEME-TEAM",
         "category": "community-team", "start": "2026-04-01", "planned_end": "2027-03-31",
         "cost": {"total": "140000.00"}, "funding": {"ASC": "50", "CFS": "25", "SMS": "25"}},
        *[{"command": "ApproveDecision", "actor": budget_holder(code), "pool_id": pool,
           "decision_id": decision, "partner": code}
          for decision, codes in (("PLA-N1", ("ASC", "SMS", "CFS")),
                                  ("SCH-TEAM", ("ASC", "CFS", "SMS")))
          for code in codes],
    ]
    for number, fields in enumerate(commands, start=1):
        ledger.execute(parse_command({**fields, "command_id": f"{pool}-setup-{number:02d}"}))
    print(f"set up pool {pool}: {len(commands)} commands")


def spend_command(pool: str, row: dict[str, str]) -> dict[str, Any]:
    """One CSV row as a RecordSpend command (still unchecked: the ledger checks it)."""
    fields: dict[str, Any] = {
        "command": "RecordSpend", "actor": MANAGER, "pool_id": pool,
        "command_id": f"{pool}-inv-{row['invoice_number']}",
        "decision_id": row["decision"], "invoice_ref": row["invoice_number"],
        "amount": row["amount"], "service_date": row["service_date"],
    }
    if row.get("element"):
        fields["element"] = row["element"]
    if row.get("supplier"):
        fields["supplier"] = row["supplier"]
    return fields


def feed(ledger: LedgerApplication, pool: str, path: Path) -> tuple[int, int, int]:
    """Applies every row; prints one line each; returns (recorded, repeated, refused)."""
    recorded = repeated = refused = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):  # row 1 is the header
            where = f"row {number} {row.get('invoice_number') or '?'}"
            try:
                result = ledger.execute(parse_command(spend_command(pool, row)))
            except LedgerError as error:
                refused += 1
                print(f"{where}: REFUSED {error.code} (rule {error.rule or '-'}, "
                      f"field {error.field or '-'}): {error.message}")
                continue
            if result.duplicate:
                repeated += 1
                print(f"{where}: already recorded")
            else:
                recorded += 1
                print(f"{where}: recorded")
    return recorded, repeated, refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--csv", type=Path, default=HERE / "data" / "invoices.csv")
    parser.add_argument("--pool", default="NFP")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any row was refused")
    args = parser.parse_args(argv)
    configure_logging("off")
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'nightly.db'}"
    print(f"ledger: {url}")
    ledger = open_ledger(url)
    try:
        set_up_pool(ledger, args.pool)
        recorded, repeated, refused = feed(ledger, args.pool, args.csv)
    finally:
        ledger.close()
    print(f"{recorded} recorded, {repeated} already recorded, {refused} refused")
    return 1 if args.strict and refused else 0


if __name__ == "__main__":
    sys.exit(main())
