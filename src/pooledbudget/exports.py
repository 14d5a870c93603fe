"""CSV exports for finance teams: the transparency return and the ledger of spend allocations.

`transparency_csv` is spend recorded in a calendar quarter in the shape councils publish under the
Local Government Transparency Code 2015 (docs/reference/wire-format.md); `ledger_csv` is every spend line of a
financial year with each partner's funded and responsible part (R15, R20), for reconciliation with
a council's general ledger. Both read the read models only; the column choices are explained in
docs/decisions/0005-exports.md. Neither carries a decision's case reference.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from .cli_options import add_db_option
from .cli_safety import add_force, checked_output, financial_year
from .csv_safety import safe_row
from .errors import InvalidCommandError
from .integration_cli import register_journals
from .money import from_pence
from .opening import open_existing, read_only_note

if TYPE_CHECKING:
    from .application import LedgerApplication

TRANSPARENCY_COLUMNS = ["Body name", "Date", "Beneficiary", "Transaction number", "Net amount",
                        "Irrecoverable VAT", "Department", "Purpose of expenditure",
                        "SeRCOP service", "Narrative"]
QUARTER = re.compile(r"(\d{4})-Q([1-4])")


@dataclass(frozen=True)
class Line:
    """A spend, or the reversal of one (its amount and allocation negated), as recorded."""

    invoice_ref: str
    reversal: bool
    recorded: date
    row: Any  # the pb_spends row joined with its decision's category
    reason: str | None = None

    @property
    def sign(self) -> int:
        return -1 if self.reversal else 1

    @property
    def transaction(self) -> str:
        return f"{self.invoice_ref}-REVERSAL" if self.reversal else self.invoice_ref


def quarter_bounds(text: str) -> tuple[date, date]:
    """`2026-Q3` -> (2026-07-01, 2026-10-01): a calendar quarter, end exclusive."""
    match = QUARTER.fullmatch(text)
    if not match:
        raise InvalidCommandError(f"--quarter {text!r} is not like 2026-Q3", field="quarter")
    year, q = int(match[1]), int(match[2])
    start = date(year, 3 * q - 2, 1)
    return start, date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)


def _recorded(moment: datetime) -> date:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).date()


def _lines(conn: Connection, pool: str, year: str | None = None) -> list[Line]:
    """Every spend and every reversal of the pool (or of one year), in recording order."""
    from .projections.tables import decisions, spend_reversals, spends

    query = (select(spends, decisions.c.category)
             .join(decisions, (decisions.c.pool_id == spends.c.pool_id)
                   & (decisions.c.decision_id == spends.c.decision_id))
             .where(spends.c.pool_id == pool))
    if year is not None:
        query = query.where(spends.c.year == year)
    rows = {r.invoice_ref: r for r in conn.execute(query)}
    reversals = conn.execute(select(spend_reversals).where(spend_reversals.c.pool_id == pool))
    lines = [(r.sequence, Line(ref, False, _recorded(r.recorded_at), r)) for ref, r in rows.items()]
    lines += [(v.sequence, Line(v.invoice_ref, True, _recorded(v.recorded_at), rows[v.invoice_ref],
                                v.reason))
              for v in reversals if v.invoice_ref in rows]
    return [line for _, line in sorted(lines, key=lambda item: item[0])]


REDACTED = "Redacted personal data"


def _beneficiary(row: Any) -> str:
    """The supplier as published: a private individual is never named (R9; the Transparency
    Code's redaction of personal data)."""
    if row.supplier_is_individual:
        return REDACTED
    return str(row.supplier or "Not recorded")


def _humane(category: str) -> str:
    text = category.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def transparency_csv(ledger: LedgerApplication, pool: str, quarter: str,
                     body_name: str | None = None, sercop: dict[str, str] | None = None) -> str:
    from .projections import read_models_as_at
    from .projections.tables import pools
    from .reports.pool_info import pool_info

    start, end = quarter_bounds(quarter)
    with read_models_as_at(ledger, None, pool, text=True).transaction() as conn:
        info = pool_info(conn, pool)
        names = {p["code"]: p["name"] for p in info.partners}
        department = conn.execute(select(pools.c.name).where(pools.c.pool_id == pool)).scalar_one()
        lines = [line for line in _lines(conn, pool) if start <= line.recorded < end]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRANSPARENCY_COLUMNS)  # user text in the rows is quoted if it could run
    for line in lines:
        r = line.row
        element = f", {r.element}" if r.element else ""
        narrative = (f"Reversal of {r.invoice_ref}: {line.reason}" if line.reversal else
                     f"Pooled fund decision {r.decision_id}{element}; service "
                     f"{r.service_date:%d/%m/%Y}")
        writer.writerow(safe_row([
            body_name or names.get(info.host, info.host), f"{line.recorded:%d/%m/%Y}",
            _beneficiary(r), line.transaction,
            str(from_pence(line.sign * r.amount_pence)), "0.00", department,
            _humane(r.category), (sercop or {}).get(r.category, ""), narrative]))
    return out.getvalue()


def ledger_csv(ledger: LedgerApplication, pool: str, year: str) -> str:
    """Every spend line of the year with its allocation; each row carries the pool's ledger
    head when it was made (`verify --pool P --expect-head DIGEST` checks the ledger still
    holds everything up to it)."""
    from .log_index import head
    from .projections import read_models_as_at
    from .projections.tables import spend_allocations
    from .reports.pool_info import pool_info

    with read_models_as_at(ledger, None, pool, year, text=True).transaction() as conn:
        order = pool_info(conn, pool).members(year)
        lines = _lines(conn, pool, year)
        parts: dict[str, dict[str, tuple[int, int]]] = {}
        for a in conn.execute(select(spend_allocations).where(
                spend_allocations.c.pool_id == pool, spend_allocations.c.year == year)):
            parts.setdefault(a.invoice_ref, {})[a.partner] = (a.funded_pence, a.responsible_pence)
    anchor = head(ledger.recorder, pool)
    ledger_head = "" if anchor is None else anchor["head"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_row(["transaction", "kind", "invoice_ref", "recorded_on", "service_date",
                     "decision_id", "category", "element", "supplier", "amount", "reversed",
                     "reason", *(f"funded_{c}" for c in order),
                     *(f"responsible_{c}" for c in order), "ledger_head"]))
    for line in lines:
        r, sign = line.row, line.sign
        mine = parts.get(r.invoice_ref, {})
        writer.writerow(safe_row([
            line.transaction, "reversal" if line.reversal else "spend", r.invoice_ref,
            line.recorded.isoformat(), r.service_date.isoformat(), r.decision_id, r.category,
            r.element or "", r.supplier or "", str(from_pence(sign * r.amount_pence)),
            "yes" if r.reversed else "no", line.reason or "",
            *(str(from_pence(sign * mine.get(c, (0, 0))[0])) for c in order),
            *(str(from_pence(sign * mine.get(c, (0, 0))[1])) for c in order), ledger_head]))
    return out.getvalue()


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("export", help="CSV exports: transparency return, spend ledger")
    kinds = parser.add_subparsers(dest="export_kind", required=True)
    transparency = kinds.add_parser(
        "transparency", help="spend recorded in a calendar quarter (Transparency Code 2015)")
    transparency.add_argument("--quarter", required=True, help="calendar quarter, e.g. 2026-Q3")
    transparency.add_argument("--body-name", help="publishing body (default: the host's name)")
    transparency.add_argument("--sercop", action="append", default=[], metavar="CATEGORY=SERVICE",
                              help="SeRCOP service for a decision category (repeatable)")
    ledger = kinds.add_parser("ledger", help="every spend line with its per-partner allocation")
    ledger.add_argument("--year", required=True, type=financial_year,
                        help="financial year, e.g. 2026-27")
    register_journals(kinds)
    for p in (transparency, ledger):
        p.add_argument("--pool", required=True)
        add_db_option(p)
        p.add_argument("-o", "--output", help="file to write (default: standard output)")
        add_force(p)
        p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    output = checked_output(args.output, db_url=args.db, force=args.force) if args.output else None
    ledger = open_existing(args.db, pool=args.pool)
    try:
        if args.export_kind == "transparency":
            if any("=" not in item for item in args.sercop):
                raise InvalidCommandError("--sercop takes CATEGORY=SERVICE", field="sercop")
            sercop = dict(item.split("=", 1) for item in args.sercop)
            text = transparency_csv(ledger, args.pool, args.quarter, args.body_name, sercop)
        else:
            text = ledger_csv(ledger, args.pool, args.year)
        note = read_only_note(ledger)
    finally:
        ledger.close()
    if note:
        print(f"pooledbudget: {note}", file=sys.stderr)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
