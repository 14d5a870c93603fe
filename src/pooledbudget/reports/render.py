"""Reports as rows, for people (`rich` tables) and spreadsheets (CSV).

JSON is the report model itself; the table and CSV forms flatten it into one header and rows, so
both show exactly the same figures as the JSON.
"""

from __future__ import annotations

import csv
import io
from functools import singledispatch
from typing import NamedTuple

from pydantic import BaseModel
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..csv_safety import safe_row
from .models import (
    ApprovalsReport,
    CostShiftReport,
    OutcomesReport,
    PossibleDuplicatesReport,
    RiskShareReport,
    SharesReport,
    SignatoriesReport,
    SignOffsReport,
)


class Rows(NamedTuple):
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


@singledispatch
def report_rows(report: BaseModel) -> Rows:
    raise TypeError(f"no tabular form for {type(report).__name__}")


@report_rows.register
def _shares(report: SharesReport) -> Rows:
    header = ["partner", "agreed", "received", "contribution_share", "committed", "spent",
              "spend_share", "available", "contingent", "forecast"]
    rows = [[getattr(p, column) for column in header] for p in report.partners]
    t = report.total
    rows.append(["total", t.agreed, t.received, "", t.committed, t.spent, "", t.available,
                 t.contingent, t.forecast])
    return Rows(_title("Contributor shares", report.pool, report.year, report.as_at), header, rows)


@report_rows.register
def _cost_shift(report: CostShiftReport) -> Rows:
    """One row per partner; `carried_for_X` is what that partner paid of X's costs (R20)."""
    codes = list(report.funded)
    header = ["partner", "funded", "responsible", "net",
              *(f"carried_for_{code}" for code in codes)]
    rows = [[code, report.funded[code], report.responsible[code], report.net[code],
             *(report.matrix.get(resp, {}).get(code, "0.00") if resp != code else "" for resp in codes)]
            for code in codes]
    return Rows(_title("Cost shift", report.pool, report.year, report.as_at), header, rows)


@report_rows.register
def _approvals(report: ApprovalsReport) -> Rows:
    header = ["decision_id", "variation_id", "waiting_on", "first_signature", "days_waiting"]
    rows = [[p.decision_id, p.variation_id or "", " ".join(p.waiting_on),
             " ".join(p.first_signature), str(p.days_waiting)] for p in report.pending]
    return Rows(f"Approvals pending — {report.pool} as of {report.as_of}", header, rows)


@report_rows.register
def _outcomes(report: OutcomesReport) -> Rows:
    """A row per outcome element, then a row per partner with the outcome payments it funded
    and those it was responsible for (R35); `section` says which."""
    header = ["section", "decision_id", "element", "measure", "price", "max_count",
              "count_paid", "paid", "remaining", "partner", "funded", "responsible"]
    rows = [["outcome", o.decision_id, _user_text(o.element), _user_text(o.measure), o.price,
             str(o.max_count), str(o.count_paid), o.paid, o.remaining, "", "", ""]
            for o in report.outcomes]
    rows += [["partner", *[""] * 8, p.partner, p.funded, p.responsible]
             for p in report.partners]
    return Rows(_title("Outcomes", report.pool, report.year, report.as_at), header, rows)


@report_rows.register
def _risk_share(report: RiskShareReport) -> Rows:
    header = ["partner", "allocation"]
    rows = [[code, amount] for code, amount in report.allocation.items()]
    rows.append(["total", report.outturn])
    state = "closed" if report.closed else "projected"
    note = (f"agreed {report.agreed_total}, spent {report.spent_total}, "
            f"outturn {report.outturn} ({state})")
    return Rows(f"Risk share — {report.pool} {report.year}", header, rows, note)


@report_rows.register
def _possible_duplicates(report: PossibleDuplicatesReport) -> Rows:
    """One row per spend, its group numbered: a spreadsheet sorts and filters them."""
    header = ["group", "supplier", "amount", "service_date", "invoice_ref", "decision_id",
              "element", "recorded_at", "same_reference"]
    rows = [[str(n), s.supplier, g.amount, g.service_date, s.invoice_ref, s.decision_id,
             s.element or "", s.recorded_at, "yes" if g.same_reference else ""]
            for n, g in enumerate(report.groups, start=1) for s in g.spends]
    scope = report.year or "all years"
    return Rows(f"Possible duplicate invoices — {report.pool} {scope}", header, rows,
                f"{len(report.groups)} group(s): same supplier, amount and service date")


@report_rows.register
def _signatories(report: SignatoriesReport) -> Rows:
    header = ["id", "partner", "role", "limit", "registered_at", "registered_by"]
    rows = [[s.id, s.partner, s.role,
             s.limit or ("unlimited" if s.role == "budget_holder" else ""), s.registered_at or "",
             s.registered_by or ""] for s in report.signatories]
    note = (f"two signatures above {report.two_signatures_above}"
            if report.two_signatures_above else "") if report.verified else (
        "no signatory register: authority is only what each command says of its actor")
    title = f"Signatories — {report.pool}" + (f" as at {report.as_at}" if report.as_at else "")
    return Rows(title, header, rows, note)


@report_rows.register
def _sign_offs(report: SignOffsReport) -> Rows:
    header = ["decision_id", "variation_id", "partner", "actor", "outcome", "amount", "limit",
              "recorded_at"]
    rows = [[s.decision_id, s.variation_id or "", s.partner, s.actor, s.outcome,
             s.amount or "", s.limit or "unlimited", s.recorded_at] for s in report.sign_offs]
    note = "" if report.verified else "unverified: this pool keeps no signatory register"
    return Rows(_title("Sign-offs", report.pool, report.year, report.as_at), header, rows, note)


def _user_text(text: str) -> str:
    """Text people typed (an element's name, an outcome's measure), kept from being read as a
    formula by a spreadsheet opening the CSV."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _title(name: str, pool: str, year: str, as_at: str | None) -> str:
    return f"{name} — {pool} {year}" + (f" as at {as_at}" if as_at else "")


def to_table(report: BaseModel) -> RenderableType:
    title, header, rows, note = report_rows(report)
    table = Table(title=title, title_justify="left")
    for i, column in enumerate(header):
        table.add_column(column.replace("_", " "), justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # shown as typed, never read as markup
    return Group(table, Text(note)) if note else table


def to_csv(report: BaseModel) -> str:
    _, header, rows, _ = report_rows(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)  # text that could run as a formula, quoted
    return out.getvalue()
