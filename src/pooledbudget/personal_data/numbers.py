"""Numbers that identify a person: NHS numbers (checked), National Insurance and phone numbers."""

from __future__ import annotations

import re

# Ten digits, together or grouped 3-3-4 by one kind of separator (as NHS numbers are written):
# looser spellings would take any ten digits of an identifier like `12-003-00012`.
NHS_NUMBER = re.compile(r"(?<![\d,.])(\d{3}([ .\-/]?)\d{3}\2\d{4})(?![\d]|[ .\-/]\d)")
NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{2}[ \-]?[A-Da-d](?![A-Za-z0-9])")
PHONE = re.compile(r"(?<![\w.\-/+])(?:\+\s?44|\(?0)[\d \-()]{8,16}\d(?![\d])")


def valid_nhs_number(digits: str) -> bool:
    """The NHS number's modulus-11 check digit."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


_DIGIT = re.compile(r"\d")


def _digits(text: str) -> int:
    return len(_DIGIT.findall(text))


def has_nhs_number(text: str) -> bool:
    if _digits(text) < 10:
        return False
    return any(valid_nhs_number(re.sub(r"\D", "", match[1]))
               for match in NHS_NUMBER.finditer(text))


def has_ni_number(text: str) -> bool:
    if _digits(text) < 6:
        return False
    return NI_NUMBER.search(text) is not None


def has_phone_number(text: str) -> bool:
    """A UK number: 0 and 9-10 more digits, or +44 and 9-10 digits, spaced any way."""
    if _digits(text) < 10:
        return False
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match[0])
        if digits.startswith("44") and match[0].lstrip().startswith("+"):
            digits = "0" + digits[2:].lstrip("0")
        if digits.startswith("0") and 10 <= len(digits) <= 11 and digits[1] != "0":
            return True
    return False
