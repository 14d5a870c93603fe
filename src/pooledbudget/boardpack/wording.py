"""Plain English for the pack: pounds with separators, partner names inside sentences, flows."""

from __future__ import annotations

import re
from decimal import Decimal

from ..money import Money

# Words of generic service names ("Adult Social Care"), lower-cased inside a sentence. A name
# with any other word ("Kent County Council") is a proper name and is kept as written.
GENERIC = frozenset([
    "adult", "adults", "and", "care", "children", "children's", "families", "family", "social",
    "substance", "misuse", "drug", "alcohol", "service", "services", "integrated", "board",
    "health", "public", "mental", "community", "housing", "probation", "education", "youth",
    "justice", "early", "help", "learning", "disability", "disabilities", "team", "trust",
    "partnership", "commissioning", "department", "directorate", "unit", "for", "of", "the",
    "primary", "secondary", "acute", "safeguarding", "wellbeing", "support",
])
# A generic name ending in one of these is an organisation: "the substance misuse service".
ORGANISATIONS = frozenset([
    "service", "board", "trust", "team", "partnership", "department", "directorate", "unit",
])


def gbp(amount: Money | Decimal | str, sign: bool = False) -> str:
    """£1,234.56; negatives with a minus sign; `sign` adds + to positives. Exact money only: an
    amount of more than two places is a bug, refused by `Money.of`."""
    value = Money.of(amount)
    prefix = "−" if value.pence < 0 else ("+" if sign and value.pence > 0 else "")
    return f"{prefix}£{abs(value):,.2f}"


def pct(value: Decimal | str, places: int = 2) -> str:
    return f"{Decimal(value):.{places}f}%"


def in_sentence(name: str) -> str:
    """A partner's name as it reads mid-sentence: `NHS Integrated Care Board` -> `the NHS
    integrated care board`; a parenthetical qualifier is dropped; proper names stay as written."""
    base = re.sub(r"\s*\([^)]*\)", "", name).strip() or name
    words = base.split()
    generic = all(w.lower() in GENERIC or _acronym(w) for w in words)
    if not generic:
        return base
    text = " ".join(w if _acronym(w) else w.lower() for w in words)
    return f"the {text}" if words[-1].lower() in ORGANISATIONS else text


def possessive(phrase: str) -> str:
    return f"{phrase}'" if phrase.endswith("s") and not _acronym(phrase.split()[-1]) else f"{phrase}'s"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _acronym(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def flow_sentences(matrix: dict[str, dict[str, str]], names: dict[str, str]) -> list[str]:
    """One sentence per cost-shift flow (R20: matrix[a][b] is a's cost carried by b), largest
    first: "The substance misuse service carried £11,960.00 of adult social care's costs."."""
    flows = sorted(((Decimal(amount), carried, payer) for carried, row in matrix.items()
                    for payer, amount in row.items() if Decimal(amount)),
                   key=lambda f: (-f[0], f[1], f[2]))
    return [f"{capitalise(in_sentence(names.get(payer, payer)))} carried {gbp(amount)} of "
            f"{possessive(in_sentence(names.get(carried, carried)))} costs."
            for amount, carried, payer in flows]


def article(noun: str) -> str:
    """`an overspend`, `a nil outturn`: the indefinite article by the noun's first sound."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


def short_name(name: str) -> str:
    """A partner's name for a chart label or a column heading: without its parenthetical."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip() or name
