"""Exact money and the one way money is divided among partners (rules R1-R4).

`Money` is the one money value: whole pence inside, immutable, added and compared exactly, and
written as events store it ("2450.00"). It is never multiplied or divided by an operator: a whole
count goes through `Money.times`, and the places where a rule divides money exactly name their
rule by going through the functions below (`allocate` for R4; `ratio` and `exact` for the exact
fractions of R8, R11, R15, R18, R20 and R34; `from_exact` and `round_half_even` to come back to
pence). Aggregates and read models that keep integer pence or `Decimal`s for speed convert with
these functions only. Every figure that splits money among partners goes through `allocate`, so
rounding happens in one place only.
"""

from __future__ import annotations

from .allocation import (
    allocate,
    allocate_by_splits,
    allocate_pence,
    split_pence,
    split_weights,
    weights_from_amounts,
)
from .tally import PenceTally, fraction_to_str
from .value import (
    AMOUNT_PATTERN,
    HUNDRED,
    MAX_AMOUNT,
    MAX_PENCE,
    PENNY,
    PERCENT_PATTERN,
    ZERO,
    AmountError,
    Money,
    Split,
    exact,
    exact_money,
    exact_pence,
    fmt_money,
    fmt_percent,
    from_exact,
    from_pence,
    is_whole_pence,
    money,
    pence_text,
    percentage,
    ratio,
    repeated_pence,
    round_half_even,
    round_half_even_pence,
    stored_pence,
    sum_money,
    sum_of,
    to_pence,
)

__all__ = [
    "AMOUNT_PATTERN", "HUNDRED", "MAX_AMOUNT", "MAX_PENCE", "PENNY", "PERCENT_PATTERN", "ZERO",
    "AmountError", "Money", "PenceTally", "Split", "allocate", "allocate_by_splits", "split_pence",
    "allocate_pence", "exact", "exact_money", "exact_pence", "fmt_money", "fmt_percent",
    "fraction_to_str", "from_exact", "from_pence", "is_whole_pence", "money", "pence_text",
    "percentage", "ratio", "repeated_pence", "round_half_even", "round_half_even_pence",
    "split_weights", "stored_pence",
    "sum_money", "sum_of", "to_pence", "weights_from_amounts",
]
