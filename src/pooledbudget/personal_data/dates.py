"""Dates of birth: a date beside a birth cue, or a full date more than 16 years before recording.

Ordinary dates in finance text ("from 1 October", "week-12 review", a service date this year)
pass; "born 03/04/88", "DOB 3rd April 1988" and "1988-04-03" do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

_DIGIT = re.compile(r"\d")

ADULT_YEARS = 16
MONTHS = {name: n for n, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
BIRTH_CUE = re.compile(
    r"\b(?:born|birth\s?date|birthday|date\s+of\s+birth|d\.?\s?o\.?\s?b\b\.?)", re.IGNORECASE)
_YEAR = r"(\d{4}|'?\d{2})"
NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?![\d])")
ISO = re.compile(r"(?<!\d)(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?!\d)")
DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s\-]+({_MONTH})\b\.?(?:,?[\s\-]+{_YEAR}(?!\d))?",
    re.IGNORECASE)
MONTH_DAY = re.compile(
    rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR}(?!\d))?", re.IGNORECASE)
COMPACT = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_SEPARATED = re.compile(r"\d[/.\-]\d")  # in every NUMERIC or ISO date: looked for first
_LETTERS = re.compile(r"[a-z]+")
YEAR_ONLY = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")


def _full_year(text: str, recorded_on: date) -> int:
    digits = text.lstrip("'")
    if len(digits) == 4:
        return int(digits)
    year = int(digits)
    century = recorded_on.year - recorded_on.year % 100
    return century + year if century + year <= recorded_on.year else century - 100 + year


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def dates_in(text: str, recorded_on: date, *, compact: bool = False) -> Iterator[date | None]:
    """Each date written in `text`: the date when it has a year, None when it has none.
    (Each form is looked for only when the text has the digits and words it needs: this runs
    on every identifier of every command.)"""
    digits = len(_DIGIT.findall(text))
    if digits >= 4 and _SEPARATED.search(text):  # both forms have a digit, a separator, a digit
        for m in NUMERIC.finditer(text):
            yield _date(_full_year(m[3], recorded_on), int(m[2]), int(m[1]))
        for m in ISO.finditer(text):
            yield _date(int(m[1]), int(m[2]), int(m[3]))
    if compact and digits >= 8:
        for m in COMPACT.finditer(text):
            run = m[1]  # yyyymmdd, else ddmmyyyy
            yield (_date(int(run[:4]), int(run[4:6]), int(run[6:]))
                   or _date(int(run[4:]), int(run[2:4]), int(run[:2])))
    if MONTHS.keys().isdisjoint(_LETTERS.findall(text.lower())):
        return
    for m in DAY_MONTH.finditer(text):
        month = MONTHS[m[2].lower()]
        yield None if m[3] is None else _date(_full_year(m[3], recorded_on), month, int(m[1]))
    for m in MONTH_DAY.finditer(text):
        month = MONTHS[m[1].lower()]
        yield None if m[3] is None else _date(_full_year(m[3], recorded_on), month, int(m[2]))


def _long_ago(day: date, recorded_on: date) -> bool:
    try:
        cutoff = recorded_on.replace(year=recorded_on.year - ADULT_YEARS)
    except ValueError:  # 29 February
        cutoff = recorded_on.replace(year=recorded_on.year - ADULT_YEARS, day=28)
    return day < cutoff


def has_date_of_birth(text: str, recorded_on: date, *, compact: bool = False) -> bool:
    if not _DIGIT.search(text):  # every date, and every year, has digits
        return False
    cue = BIRTH_CUE.search(text) is not None
    for day in dates_in(text, recorded_on, compact=compact):
        if cue or (day is not None and _long_ago(day, recorded_on)):
            return True
    return cue and YEAR_ONLY.search(text) is not None
