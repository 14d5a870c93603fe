"""Commands that spend against a decision: invoices, outcome payments and reversals (R13-R16, R33)."""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from .command import Command
from .fields import Amount, Count, Day, FreeText, Identifier, Text


class RecordSpend(Command):
    command: Literal["RecordSpend"] = "RecordSpend"
    pool_id: Identifier
    decision_id: Identifier
    invoice_ref: Identifier
    amount: Amount
    service_date: Day
    element: Text | None = None
    supplier: Text | None = None
    supplier_is_individual: StrictBool = False  # a private individual: redacted when published


class RecordOutcome(Command):
    """Pays `count` outcomes of an outcome element at its price, on evidence (R33)."""

    command: Literal["RecordOutcome"] = "RecordOutcome"
    pool_id: Identifier
    decision_id: Identifier
    element: Text
    invoice_ref: Identifier
    evidence_ref: Identifier
    achieved_on: Day
    count: Count = 1
    supplier: Text | None = None
    supplier_is_individual: StrictBool = False


class ReverseSpend(Command):
    command: Literal["ReverseSpend"] = "ReverseSpend"
    pool_id: Identifier
    invoice_ref: Identifier
    reason: FreeText
