"""Properties of `Money`, the one money value: parsing, printing, exact sums and allocation."""

from __future__ import annotations

import copy
import pickle
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from pooledbudget.money import (
    MAX_PENCE,
    ZERO,
    Money,
    allocate,
    exact,
    from_exact,
    percentage,
    ratio,
    sum_of,
)

pence = st.integers(min_value=-MAX_PENCE, max_value=MAX_PENCE)
amounts = pence.map(Money)


@st.composite
def amount_strings(draw: st.DrawFn) -> str:
    """Every form the wire format accepts: an optional sign, digits (leading zeros allowed), and
    none, one or two places, within £1,000,000,000."""
    value = draw(pence)
    places = draw(st.sampled_from([0, 1, 2]))
    value -= value % (10 ** (2 - places)) if value >= 0 else -((-value) % (10 ** (2 - places)))
    whole, part = divmod(abs(value), 100)
    zeros = "0" * draw(st.integers(0, 2))
    sign = "-" if value < 0 or (value == 0 and draw(st.booleans())) else ""
    text = f"{sign}{zeros}{whole}"
    if places:
        text += "." + f"{part:02d}"[:places]
    return text


@given(amount_strings())
def test_every_valid_amount_string_parses_to_its_exact_value_and_prints_back(text: str) -> None:
    """Parsing keeps the exact value of every valid amount string, `str` writes it in the
    stored form (two places, no leading zeros, no "-0"), and parsing that gives the same Money."""
    money = Money.parse(text)
    assert money.decimal == Decimal(text)
    stored = str(money)
    assert Money.parse(stored) == money
    assert stored == format(Decimal(text).quantize(Decimal("0.01")) + 0, "f")
    assert Money.of(Decimal(text)) == money == Money.of(stored)


@given(st.one_of(
    st.from_regex(r"-?[0-9]{1,4}\.[0-9]{3,5}", fullmatch=True),
    st.from_regex(r"[0-9]*[eE,+ _a-z][0-9]*", fullmatch=True),
    st.integers(MAX_PENCE + 1, 10 * MAX_PENCE).map(lambda p: str(Money(p))),
))
def test_an_inexact_malformed_or_too_large_string_is_refused(text: str) -> None:
    """No string outside the wire format's amounts becomes Money."""
    try:
        Money.parse(text)
    except ValueError:
        return
    raise AssertionError(f"{text!r} parsed")


@given(amounts, amounts, amounts)
def test_addition_is_exact_associative_and_commutative(a: Money, b: Money, c: Money) -> None:
    """Sums of Money are the sums of their pence, whatever the grouping or order; subtraction
    undoes addition and negation is its own inverse."""
    assert (a + b) + c == a + (b + c) == sum_of([c, b, a])
    assert (a + b).pence == a.pence + b.pence
    assert (a + b).decimal == a.decimal + b.decimal
    assert a + b - b == a
    assert -a + a == ZERO and (-a).pence == -a.pence and abs(-a) == abs(a)


@given(amounts, amounts)
def test_order_equality_and_hashing_follow_the_pence(a: Money, b: Money) -> None:
    """Money orders as its value; equal values are equal and hash alike; copies and pickles are
    the same value."""
    assert (a < b) == (a.pence < b.pence) and (a <= b) == (a.pence <= b.pence)
    assert (a == b) == (a.pence == b.pence)
    assert Money(a.pence) == a and hash(Money(a.pence)) == hash(a)
    assert pickle.loads(pickle.dumps(a)) == a and copy.deepcopy(a) is a


@given(amounts, st.integers(0, 1000))
def test_times_is_repeated_addition(a: Money, count: int) -> None:
    """Multiplying by a whole count is adding the amount that many times."""
    assert a.times(count) == sum_of([a] * count)


weights = st.lists(st.integers(0, 10_000), min_size=1, max_size=6).filter(any).map(
    lambda raw: {f"P{i}": Fraction(w, sum(raw)) for i, w in enumerate(raw)})


@given(amounts, weights)
def test_allocate_sums_to_the_penny_and_no_part_strays_a_penny_from_its_exact_share(
        a: Money, shares: dict[str, Fraction]) -> None:
    """R4: the parts sum exactly to the amount, each within one penny of its exact share, and a
    Money amount gives the same parts as its Decimal."""
    order = list(shares)
    parts = allocate(a, shares, order)
    assert sum_of(parts.values()) == a
    for code, part in parts.items():
        assert abs(exact(part) - exact(a) * shares[code]) < Fraction(1, 100)
    assert {code: part.decimal for code, part in parts.items()} == allocate(a.decimal, shares, order)


@given(amounts, amounts.filter(bool))
def test_a_ratio_of_money_is_exact(part: Money, whole: Money) -> None:
    """`ratio` is exact: the whole times the ratio is the part again, to the fraction."""
    assert exact(whole) * ratio(part, whole) == exact(part)
    assert from_exact(exact(part)) == part


def test_money_is_immutable_and_never_equal_to_a_decimal_or_float() -> None:
    money = Money.parse("12.50")
    for attempt in (lambda: setattr(money, "_pence", 1), lambda: setattr(money, "pence", 1)):
        try:
            attempt()
        except AttributeError:
            continue
        raise AssertionError("Money was changed")
    assert money != Decimal("12.50") and money != 12.5
    for other in (Decimal("1"), 1.0, 1):
        try:
            money + other  # type: ignore[operator]
        except TypeError:
            continue
        raise AssertionError(f"Money added {other!r}")


@given(amounts, amounts.filter(bool), st.integers(0, 4))
def test_a_percentage_of_money_is_rounded_once_half_even(part: Money, whole: Money,
                                                        places: int) -> None:
    """`percentage` is the exact ratio x 100 rounded half-even once to `places`: what dividing
    the two-place Decimals and quantizing gave before it existed."""
    step = Decimal(1).scaleb(-places)
    expected = (part.decimal * 100 / whole.decimal).quantize(step, ROUND_HALF_EVEN)
    assert percentage(part, whole, places) == expected
    assert abs(Fraction(percentage(part, whole, places)) - ratio(part, whole) * 100) <= \
        Fraction(1, 2 * 10**places)
