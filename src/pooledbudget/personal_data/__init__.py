"""Spotting personal data in any field of a command, so it never enters an event (R9).

Events are kept for ever and cannot be edited, so a reason like "Mrs Jones, DOB 03/04/1988", a
supplier "Jane Smith" or a case reference `SMITH-JANE-19880403` must be refused at the door. The
checks are deliberately simple and explainable; each names what it found, so the clerk can
rephrase with the case reference instead. Text is compared after Unicode NFKC normalisation, so
full-width letters (`Ｊａｎｅ`) are read as the letters they show.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import UTC, date, datetime

from .dates import has_date_of_birth
from .names import has_name, identifier_has_name
from .numbers import has_nhs_number, has_ni_number, has_phone_number
from .places import has_email, has_postcode, has_street_address

_DIGIT = re.compile(r"\d")
_NAME_PARTS = re.compile(r"[A-Za-z]{2,}")
__all__ = ["find_personal_data", "find_personal_data_in_identifier"]


def _today() -> date:
    return datetime.now(UTC).date()


def find_personal_data(text: str, recorded_on: date | None = None) -> str | None:
    """What in free text (a reason, a name, a supplier) looks like personal data, or None.
    `recorded_on` (default today) dates the 16 years after which a full date is a birth date."""
    return _in_text(text, recorded_on or _today())


def find_personal_data_in_identifier(value: str, recorded_on: date | None = None) -> str | None:
    """The same for an identifier or case reference, whose parts are joined by - . _ /
    (`jane.smith-1988-04-03`, `QQ123456C`, `943-476-5919`)."""
    return _in_identifier(value, recorded_on or _today())


@functools.lru_cache(maxsize=4096)  # suppliers, names and reasons repeat from line to line
def _in_text(text: str, recorded_on: date) -> str | None:
    text = unicodedata.normalize("NFKC", text)
    if has_email(text):
        return "an email address"
    if has_nhs_number(text):
        return "an NHS number"
    if has_ni_number(text):
        return "a National Insurance number"
    if has_phone_number(text):
        return "a phone number"
    if has_date_of_birth(text, recorded_on):
        return "a date of birth"
    if has_postcode(text):
        return "a postcode"
    if has_street_address(text):
        return "a street address"
    if has_name(text):
        return "a person's name"
    return None


@functools.lru_cache(maxsize=8192)  # every command repeats its pool, actor and decision ids
def _in_identifier(value: str, recorded_on: date) -> str | None:
    value = unicodedata.normalize("NFKC", value)
    if "@" in value and has_email(value):
        return "an email address"
    digits = len(_DIGIT.findall(value))  # most identifiers are short: skip what cannot be there
    if digits >= 10 and has_nhs_number(value):
        return "an NHS number"
    if digits >= 6 and has_ni_number(value):
        return "a National Insurance number"
    if digits >= 10 and has_phone_number(value):
        return "a phone number"
    if digits >= 4 and has_date_of_birth(value.replace("_", "-"), recorded_on, compact=True):
        return "a date of birth"
    if len(_NAME_PARTS.findall(value)) >= 2 and identifier_has_name(value):
        return "a person's name"
    return None
