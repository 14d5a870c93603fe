"""Field formats of commands: each validator checks one kind of field and fails naming its rule.

A failure is a `PydanticCustomError` whose type says what failed; `RULE_OF_ERROR` maps the type
to the rule it enforces: amounts fail under R1/R2, percentages and splits under R3, case
references under R9, and personal data in any field under R9 with code `personal_data`. The
formats are those of docs/reference/wire-format.md.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, PlainValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from ..money import HUNDRED, MAX_PENCE, PERCENT_PATTERN, AmountError, Money
from ..personal_data import find_personal_data, find_personal_data_in_identifier

IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
PARTNER_CODE = re.compile(r"[A-Z0-9]{2,12}")
CASE_REF = re.compile(r"[A-Z0-9-]{4,32}")
YEAR = re.compile(r"([0-9]{4})-([0-9]{2})")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DUPLICATE_KEYS = "__duplicate_keys__"

# Error types raised by validators, and the rule each one names (docs/reference/rules.md).
RULE_OF_ERROR = {
    "amount_format": "R1",
    "amount_not_positive": "R2",
    "percent_format": "R3",
    "split_invalid": "R3",
    "case_ref_invalid": "R9",
    "personal_data": "R9",
}
# Error types with a code of their own (the rest are `invalid_command`).
CODE_OF_ERROR = {"personal_data": "personal_data"}


def fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _amount(value: Any) -> Money:
    """A positive amount (R1, R2) as `Money`: a wire-format string, or in Python a `Money` or a
    Decimal written the same way. The one parse of amounts is `Money.parse`."""
    if isinstance(value, Money):
        amount = value
        if abs(amount.pence) > MAX_PENCE:
            raise fail("amount_format", "an amount may not exceed £1,000,000,000 (R1)")
    elif isinstance(value, (Decimal, str)):
        try:
            amount = Money.parse(format(value, "f") if isinstance(value, Decimal) else value)
        except AmountError as error:
            raise fail("amount_format", str(error)) from None
    else:
        raise fail("amount_format", "an amount must be a string like \"2450.00\" (R1)")
    if amount.pence <= 0:
        raise fail("amount_not_positive", "an amount must be strictly positive (R2)")
    return amount


def _amount_dump(amount: Money) -> Decimal:
    """Commands dump amounts as two-place Decimals, as they did before `Money`: the content
    digests receipts keep (R25) and every JSON dump are unchanged."""
    return amount.decimal


def _percent(value: Any) -> Decimal:
    text = format(value, "f") if isinstance(value, Decimal) else value
    if not isinstance(text, str) or not PERCENT_PATTERN.fullmatch(text):
        raise fail("percent_format", "a percentage is a string with at most 4 decimal places (R3)")
    pct = Decimal(text)
    if pct > HUNDRED:
        raise fail("percent_format", "a percentage cannot exceed 100 (R3)")
    return pct


def _partner_code(value: Any) -> str:
    if not isinstance(value, str) or not PARTNER_CODE.fullmatch(value):
        raise fail("partner_code", "a partner code is 2-12 upper-case letters or digits")
    _refuse_personal(find_personal_data_in_identifier(value))
    return value


_FOUR_DIGITS = re.compile(r"(?:\d\D*){4}")


def _recorded_on(info: ValidationInfo | None, value: str) -> date | None:
    """The command's `at`, when given and already checked (it precedes the other fields); the
    16 years after which a full date counts as a date of birth run back from it (R9). Only
    looked up for a value with a date's four digits (the look-up is not free; none: today)."""
    if info is None or not _FOUR_DIGITS.search(value):
        return None
    data = info.data
    at = data.get("at") if isinstance(data, dict) else None
    return at.date() if isinstance(at, datetime) else None


def _refuse_personal(found: str | None) -> None:
    if found is not None:
        raise fail("personal_data", f"this looks like it holds {found}; no field may carry "
                    "personal data (R9): name a person by the case reference, a private supplier "
                    "by a description with supplier_is_individual")


def _split(value: Any) -> dict[str, Decimal]:
    if not isinstance(value, dict) or not value:
        raise fail("split_invalid", "a split is an object of partner code to percentage (R3)")
    if DUPLICATE_KEYS in value:
        raise fail("split_invalid", f"a split names {value[DUPLICATE_KEYS]} more than once (R3)")
    split: dict[str, Decimal] = {}
    for code, pct in value.items():
        try:
            split[_partner_code(code)] = _percent(pct)
        except PydanticCustomError as error:
            raise fail("split_invalid", f"{code}: {error.message()}") from None
    total = sum(split.values(), Decimal(0))
    if total != HUNDRED:
        raise fail("split_invalid", f"split percentages sum to {total}, not exactly 100 (R3)")
    return split


def _identifier(value: Any, info: ValidationInfo | None) -> str:
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise fail("identifier", "an identifier is 1-64 of A-Z a-z 0-9 . _ / - starting alphanumeric")
    _refuse_personal(find_personal_data_in_identifier(value, _recorded_on(info, value)))
    return value


def _text(value: Any, info: ValidationInfo | None) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 500 or not value.isprintable():
        raise fail("text", "text is 1-500 printable characters")
    _refuse_personal(find_personal_data(value, _recorded_on(info, value)))
    return value


def _case_ref(value: Any, info: ValidationInfo | None) -> str:
    if not isinstance(value, str) or not CASE_REF.fullmatch(value):
        raise fail(
            "case_ref_invalid",
            "a case reference is pseudonymous: 4-32 of A-Z 0-9 - (no names or dates of birth) (R9)",
        )
    _refuse_personal(find_personal_data_in_identifier(value, _recorded_on(info, value)))
    return value


def _year(value: Any) -> str:
    match = YEAR.fullmatch(value) if isinstance(value, str) else None
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise fail("year", "a financial year is written YYYY-YY, e.g. 2026-27")
    return str(value)


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise fail("date", "a date is written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail("date", f"{value!r} is not a calendar date") from None


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and "T" in value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise fail("timestamp", "`at` is an ISO-8601 time like 2026-04-01T09:00:00") from None
    else:
        raise fail("timestamp", "`at` is an ISO-8601 time like 2026-04-01T09:00:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _weeks(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise fail("weeks", "weeks is a whole number >= 1")
    return value


def _count(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise fail("count", "a count of outcomes is a whole number >= 1")
    return value


Amount = Annotated[Money, PlainValidator(_amount),
                   PlainSerializer(_amount_dump, return_type=Decimal)]
"""A strictly positive amount (R1, R2), `Money` once validated."""
Percent = Annotated[Decimal, BeforeValidator(_percent)]
PartnerCode = Annotated[str, BeforeValidator(_partner_code)]
SplitField = Annotated[dict[str, Decimal], BeforeValidator(_split)]
Identifier = Annotated[str, BeforeValidator(_identifier)]
Text = Annotated[str, BeforeValidator(_text)]
"""Names, suppliers, reasons, categories: 1-500 printable characters, no personal data (R9)."""
FreeText = Text
"""Reasons, categories and element names (every text field is checked alike since R9 covers
every field)."""
CaseRef = Annotated[str, BeforeValidator(_case_ref)]
Year = Annotated[str, BeforeValidator(_year)]
Day = Annotated[date, BeforeValidator(_date)]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Weeks = Annotated[int, BeforeValidator(_weeks)]
Count = Annotated[int, BeforeValidator(_count)]
Role = Literal["pool_manager", "budget_holder", "auditor"]
