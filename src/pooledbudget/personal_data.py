"""Spotting personal data in free text, so it never enters an event (R9: people are case refs).

Events are kept for ever and cannot be edited, so a reason like "Mrs Jones, DOB 03/04/1988"
must be refused at the door. These checks are deliberately simple and explainable; each names
what it found, so the clerk can rephrase with the case reference instead.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
NHS_NUMBER = re.compile(r"(?<![\d,.])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d,.])")
BIRTH_WORDS = re.compile(r"\b(?:d\.?o\.?b\b\.?|date of birth|born (?:on|in)\b)", re.IGNORECASE)
BIRTH_DATE = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19\d{2}|20[01]\d)|(?:19\d{2}|20[01]\d)-\d{2}-\d{2})\b")
TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+[A-Z][A-Za-z'-]+")
NAMED = re.compile(r"\b(?:named|name is|called)\s+[A-Z][a-z]+")


def _valid_nhs_number(digits: str) -> bool:
    """The NHS number's modulus-11 check digit."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def find_personal_data(text: str) -> str | None:
    """What in `text` looks like personal data, in words, or None."""
    if EMAIL.search(text):
        return "an email address"
    for match in NHS_NUMBER.finditer(text):
        if _valid_nhs_number("".join(match.groups())):
            return "an NHS number"
    if BIRTH_WORDS.search(text) or BIRTH_DATE.search(text):
        return "a date of birth"
    if TITLED_NAME.search(text) or NAMED.search(text):
        return "a person's name"
    return None
