"""Where a person can be reached: e-mail addresses, UK postcodes and street addresses."""

from __future__ import annotations

import re

_DIGIT = re.compile(r"\d")

EMAIL = re.compile(r"[\w.%+\-']+@[\w\-]+(?:\.[\w\-]+)*")
POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d[A-Za-z\d]?)(\s?)(\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})"
    r"(?![A-Za-z0-9])")
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)", re.IGNORECASE)
STREET = re.compile(
    r"(?<!\w)\d{1,4}[A-Za-z]?,?\s+((?:[A-Za-z][A-Za-z'’\-]+\s+){1,3})"
    r"(?:street|st|road|rd|lane|ln|avenue|ave|close|drive|crescent|court|place|terrace|gardens|"
    r"grove|way|square|walk|mews|row|hill|park|view|parade|boulevard)\b", re.IGNORECASE)
FLAT = re.compile(r"\b(?:flat|apartment|apt)\.?\s+\d+[A-Za-z]?\b", re.IGNORECASE)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOT_A_STREET = _word_set("""
a an and at by each for from in into of on or per the to with week weeks day days month months
year years hour hours night nights session sessions visit visits
""")


def has_email(text: str) -> bool:
    return "@" in text and EMAIL.search(text) is not None


def has_postcode(text: str) -> bool:
    if not _DIGIT.search(text):
        return False
    for match in POSTCODE.finditer(text):
        outward, space, inward = match[1], match[2], match[3]
        if _ORDINAL.fullmatch(inward):
            continue
        if not space and not (outward + inward).isupper():
            continue  # written together, only in capitals ("M11AE", not "ab12cd")
        return True
    return False


def has_street_address(text: str) -> bool:
    if not _DIGIT.search(text):  # a flat's or a house's number
        return False
    if FLAT.search(text):
        return True
    for match in STREET.finditer(text):
        words = match[1].lower().split()
        if not any(word in _NOT_A_STREET for word in words):
            return True
    return False
