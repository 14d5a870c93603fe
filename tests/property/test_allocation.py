"""Properties of `allocate`, the one function that divides money among partners (rule R4)."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given
from hypothesis import strategies as st

from pooledbudget.money import (
    PenceTally,
    allocate,
    allocate_by_splits,
    exact_money,
    fraction_to_str,
    stored_pence,
    to_pence,
)

PENNY = Decimal("0.01")
CODES = ("ASC", "CFS", "SMS", "ICB", "PROB", "HOU")
ONE_HUNDRED_PERCENT = 1_000_000  # in units of 0.0001 %

# Amounts: 2-place decimals, negatives and zero included, up to £1,000,000,000 either way.
pence = st.one_of(
    st.sampled_from([0, 1, -1, 2, -2, 99, 100_000_000_000, -100_000_000_000]),
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=-100_000_000_000, max_value=100_000_000_000),
)
amounts = pence.map(lambda p: (Decimal(p) / 100).quantize(PENNY))
positive_amounts = st.integers(min_value=1, max_value=100_000_000_000).map(
    lambda p: (Decimal(p) / 100).quantize(PENNY))


@st.composite
def splits(draw: st.DrawFn) -> tuple[dict[str, Decimal], list[str]]:
    """A percentage split with at most 4 dp summing to exactly 100, and an agreement order.

    Coarse steps (whole, 25 %) make equal remainders, and so ties, common. The order may name
    partners the split leaves out (they have 0 %).
    """
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=len(CODES), unique=True))
    step = draw(st.sampled_from([1, 100, 10_000, 50_000, 250_000]))
    slots = ONE_HUNDRED_PERCENT // step
    cuts = sorted(draw(st.lists(st.integers(0, slots), min_size=len(codes) - 1,
                                max_size=len(codes) - 1)))
    bounds = [0, *cuts, slots]
    split = {code: Decimal(step * (bounds[i + 1] - bounds[i])) / 10_000
             for i, code in enumerate(codes)}
    unused = [c for c in CODES if c not in codes]
    extra = draw(st.lists(st.sampled_from(unused), unique=True)) if unused else []
    order = draw(st.permutations([*codes, *extra]))
    assert sum(split.values()) == 100
    return split, list(order)


def weights_of(split: dict[str, Decimal]) -> dict[str, Fraction]:
    return {code: Fraction(pct) / 100 for code, pct in split.items()}


def exact_share(amount: Decimal, weights: dict[str, Fraction], code: str) -> Fraction:
    return Fraction(amount) * weights.get(code, Fraction(0))


@given(amounts, splits())
@example(Decimal("0.01"), ({"ASC": Decimal(50), "CFS": Decimal(50)}, ["ASC", "CFS"]))
@example(Decimal("-1000000000.00"), ({"ASC": Decimal("33.3333"), "CFS": Decimal("33.3333"),
                                      "ICB": Decimal("33.3334")}, ["ICB", "CFS", "ASC"]))
def test_parts_sum_exactly_to_the_amount(
    amount: Decimal, split_and_order: tuple[dict[str, Decimal], list[str]]
) -> None:
    """The parts always sum exactly to the amount, every partner of the order gets a part,
    and every part is a whole number of pence (R4)."""
    split, order = split_and_order
    parts = allocate(amount, weights_of(split), order)
    assert list(parts) == order
    assert sum(parts.values(), Decimal(0)) == amount
    for part in parts.values():
        assert part == part.quantize(PENNY)


@given(amounts, splits())
def test_no_part_is_a_penny_or_more_from_its_exact_share(
    amount: Decimal, split_and_order: tuple[dict[str, Decimal], list[str]]
) -> None:
    """Every part differs from its exact share (amount × pct / 100) by strictly less than a penny,
    and a partner with 0 % gets nothing (R4)."""
    split, order = split_and_order
    weights = weights_of(split)
    parts = allocate(amount, weights, order)
    for code in order:
        assert abs(Fraction(parts[code]) - exact_share(amount, weights, code)) < Fraction(1, 100)
        if weights.get(code, Fraction(0)) == 0:
            assert parts[code] == 0


@given(amounts, splits())
@example(Decimal("-0.01"), ({"ASC": Decimal(50), "CFS": Decimal(50)}, ["CFS", "ASC"]))
def test_a_negative_amount_is_the_negated_allocation_of_its_absolute_value(
    amount: Decimal, split_and_order: tuple[dict[str, Decimal], list[str]]
) -> None:
    """allocate(-a) gives, partner by partner, exactly -allocate(a): the absolute value is
    allocated and each part negated, so ties go the same way for a spend and its reversal (R4)."""
    split, order = split_and_order
    weights = weights_of(split)
    negated = allocate(-amount, weights, order)
    plain = allocate(amount, weights, order)
    assert negated == {code: -part for code, part in plain.items()}
    if amount < 0:
        assert plain == {code: -part for code, part in allocate(abs(amount), weights, order).items()}


@given(amounts, splits())
@example(Decimal("0.01"), ({"ASC": Decimal(50), "CFS": Decimal(50)}, ["CFS", "ASC"]))
@example(Decimal("0.02"), ({"ASC": Decimal(25), "CFS": Decimal(25), "ICB": Decimal(25),
                            "SMS": Decimal(25)}, ["SMS", "ICB", "CFS", "ASC"]))
@example(Decimal("-0.05"), ({"ASC": Decimal("12.5"), "CFS": Decimal("87.5")}, ["CFS", "ASC"]))
def test_leftover_pence_go_to_the_largest_remainders_ties_by_agreement_order(
    amount: Decimal, split_and_order: tuple[dict[str, Decimal], list[str]]
) -> None:
    """Largest remainder in pence (R4): each partner gets floor(|amount| × pct / 100) pence plus at
    most one leftover penny; a partner with a larger fractional remainder never gets fewer leftover
    pence than one with a smaller remainder, and among equal remainders a partner earlier in the
    agreement order never gets fewer than a later one. (Together with the exact sum this fixes the
    result uniquely.)"""
    split, order = split_and_order
    weights = weights_of(split)
    sign = -1 if amount < 0 else 1
    total_pence = abs(int(amount * 100))
    parts = allocate(amount, weights, order)
    exact = {code: total_pence * weights.get(code, Fraction(0)) for code in order}
    floor = {code: exact[code].numerator // exact[code].denominator for code in order}
    remainder = {code: exact[code] - floor[code] for code in order}
    extra = {code: sign * int(parts[code] * 100) - floor[code] for code in order}
    assert all(e in (0, 1) for e in extra.values()), extra
    assert sum(extra.values()) == total_pence - sum(floor.values())
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            # a precedes b in the agreement order
            if remainder[a] >= remainder[b]:
                assert extra[a] >= extra[b], (a, b, remainder, extra)
            else:
                assert extra[b] >= extra[a], (a, b, remainder, extra)


@given(positive_amounts, st.permutations(["ASC", "CFS", "ICB", "SMS"]))
def test_equal_shares_give_the_odd_pence_to_the_first_partners_in_order(
    amount: Decimal, order: list[str]
) -> None:
    """With four equal 25 % shares every remainder ties, so the leftover pence (amount in pence
    mod 4) go one each to the first partners of the agreement order (R4)."""
    weights = {code: Fraction(1, 4) for code in order}
    parts = allocate(amount, weights, order)
    total_pence = int(amount * 100)
    base, leftover = divmod(total_pence, 4)
    expected = [base + 1] * leftover + [base] * (4 - leftover)
    assert [int(parts[code] * 100) for code in order] == expected


def reference_allocate(amount: Decimal, weights: dict[str, Fraction],
                       order: list[str]) -> dict[str, Decimal]:
    """R4 written plainly in Fractions (how `allocate` was first written): the model the
    integer implementation must agree with."""
    sign = -1 if amount < 0 else 1
    pence = abs(int(amount * 100))
    exact = {code: pence * weights.get(code, Fraction(0)) for code in order}
    parts = {code: int(share // 1) for code, share in exact.items()}
    leftover = pence - sum(parts.values())
    by_remainder = sorted(order, key=lambda c: (-(exact[c] - parts[c]), order.index(c)))
    for code in by_remainder[:leftover]:
        parts[code] += 1
    return {code: (Decimal(sign * parts[code]) / 100).quantize(PENNY) for code in order}


@given(amounts, splits())
def test_allocate_agrees_with_the_plain_fraction_model(
    amount: Decimal, split_and_order: tuple[dict[str, Decimal], list[str]]
) -> None:
    """For every amount and split, `allocate` (integers over a common denominator) gives each
    partner exactly what R4 computed in Fractions gives, with the same two-place exponent."""
    split, order = split_and_order
    weights = weights_of(split)
    got = allocate(amount, weights, order)
    want = reference_allocate(amount, weights, order)
    assert got == want
    assert [v.as_tuple().exponent for v in got.values()] == [-2] * len(order)


@given(positive_amounts, st.lists(st.integers(1, 10**6), min_size=1, max_size=6))
def test_allocate_agrees_with_the_model_on_arbitrary_fraction_weights(
    amount: Decimal, raw: list[int]
) -> None:
    """Weights with unlike denominators (apportioned by remaining cost, not percentages) are
    allocated exactly as the Fraction model allocates them."""
    order = list(CODES[:len(raw)])
    weights = {code: Fraction(value, sum(raw)) for code, value in zip(order, raw, strict=True)}
    assert allocate(amount, weights, order) == reference_allocate(amount, weights, order)


@given(st.one_of(amounts.map(lambda a: format(a, "f")), amounts.map(str),
                 st.text(alphabet="-+0123456789._ ²٣e", max_size=9)))
@example("--1.00")
@example("1.-5")
@example("٣.00")
def test_stored_amounts_read_as_pence_exactly_as_decimal_reads_them(text: str) -> None:
    """The read models' fast reading of a stored amount gives the pence `to_pence(Decimal(text))`
    gives, or refuses what it refuses: never a different number."""
    try:
        want: int | type[Exception] = to_pence(Decimal(text))
    except (ArithmeticError, ValueError):
        want = Exception
    try:
        got: int | type[Exception] = stored_pence(text)
    except (ArithmeticError, ValueError):
        got = Exception
    assert got == want


parts = st.one_of(
    pence.map(lambda p: Fraction(p, 100)),  # whole pence: a named element's part
    st.builds(Fraction, st.integers(-10**12, 10**12), st.integers(1, 10**6)),  # apportioned
)


@given(st.lists(st.tuples(parts, st.sampled_from([1, -1]), st.booleans()), max_size=30),
       parts)
def test_a_pence_tally_is_the_exact_sum_of_what_was_added(
    added: list[tuple[Fraction, int, bool]], start: Fraction
) -> None:
    """Whatever parts are added or taken away, written as text ("n/d") or as fractions, the
    tally's value is exactly their Fraction sum; its odd part is only ever what is not a whole
    number of pence; tallies compare by value; and a copy (as a decision is copied for each
    command) changes independently of its original."""
    tally, want = PenceTally(start), start
    for part, sign, as_text in added:
        if as_text:
            tally.add_text(fraction_to_str(part), sign)
        else:
            tally.add_ratio(sign * part.numerator, part.denominator)
        want += sign * part
        assert tally.value == want
        assert tally.odd == 0 or 100 % tally.odd.denominator != 0
        assert tally == PenceTally(want) and tally != PenceTally(want + Fraction(1, 300))
        copied = copy.deepcopy(tally)
        copied.add_ratio(1, 3)
        assert tally.value == want and copied.value == want + Fraction(1, 3)


@given(st.lists(st.tuples(st.sampled_from([0, 1, 2, 3, 7, 100]) | st.integers(0, 10**11),
                          splits()), min_size=1, max_size=4),
       st.permutations(CODES))
@example([(1, ({"ASC": Decimal(50), "CFS": Decimal(50)}, []))], ["CFS", "ASC", *CODES[2:]])
@example([(5, ({"ASC": Decimal("33.3333"), "CFS": Decimal("33.3333"), "SMS": Decimal("33.3334")},
               [])), (1, ({"SMS": Decimal(100)}, []))], list(reversed(CODES)))
def test_allocating_parts_by_their_splits_in_integers_agrees_with_fractions(
    parts: list[tuple[int, tuple[dict[str, Decimal], list[str]]]], order: list[str],
) -> None:
    """Dividing several pence amounts each by its own split, summing by partner and rounding
    once (a decision's commitment, R11 then R4) gives in integers exactly what the Fraction
    model gives: the exact per-partner sums, allocated by `allocate` with weights sum / total."""
    pairs = [(pence, split) for pence, (split, _) in parts]
    exact: dict[str, Fraction] = {}
    for pence, split in pairs:
        for code, weight in weights_of(split).items():
            exact[code] = exact.get(code, Fraction(0)) + Fraction(pence, 100) * weight
    total = sum(exact.values(), Fraction(0))
    if total == 0:
        expected = dict.fromkeys(order, 0)
    else:
        weights = {code: value / total for code, value in exact.items() if value}
        expected = {code: to_pence(part) for code, part in
                    allocate(exact_money(total), weights, order).items()}
    assert allocate_by_splits(pairs, order) == expected


def test_allocating_by_splits_declines_what_it_cannot_do_in_integers() -> None:
    """A negative part or a partner outside the order is left to the Fraction path."""
    split = {"ASC": Decimal("60"), "CFS": Decimal("40")}
    assert allocate_by_splits([(-100, split)], ["ASC", "CFS"]) is None
    assert allocate_by_splits([(100, split)], ["ASC"]) is None
    assert allocate_by_splits([(100, split)], ["ASC", "CFS"]) == {"ASC": 60, "CFS": 40}


def test_a_split_worked_out_once_divides_as_it_did_the_first_time() -> None:
    """Splits are worked out once and kept (`_prepared_split`): the same split written in
    another key order, or asked for again after the store is emptied, divides alike, and a split
    that does not sum to 100 is refused every time it is used, with one part or several."""
    from pooledbudget.money import allocation

    split = {"ASC": Decimal("33.3333"), "CFS": Decimal("33.3333"), "SMS": Decimal("33.3334")}
    order = ["SMS", "CFS", "ASC"]
    first = allocate_by_splits([(100, split)], order)
    assert first == {"SMS": 34, "CFS": 33, "ASC": 33}
    assert allocate_by_splits([(100, dict(reversed(split.items())))], order) == first
    allocation._prepared.clear()
    assert allocate_by_splits([(100, split)], order) == first
    short = {"ASC": Decimal("60"), "CFS": Decimal("39")}
    for parts in ([(100, short)], [(100, short)], [(100, short), (50, split)]):
        try:
            allocate_by_splits(parts, ["ASC", "CFS", "SMS"])
        except ValueError as error:
            assert "sum to exactly 100" in str(error)
        else:
            raise AssertionError("a split of 99% was used")
    assert allocate_by_splits([(0, short)], ["ASC", "CFS"]) == {"ASC": 0, "CFS": 0}
    from pooledbudget.money import split_pence

    for _ in range(2):  # refused when first worked out, and when found worked out
        try:
            split_pence(100, short, ["ASC", "CFS"])
        except ValueError as error:
            assert "sum to exactly 100" in str(error)
        else:
            raise AssertionError("a split of 99% was used")


@given(st.integers(min_value=-1000, max_value=100_000_000_000), splits(),
       st.booleans())
def test_one_split_in_pence_is_allocate_by_splits_without_the_noughts(
        pence: int, split_and_order: tuple[dict[str, Decimal], list[str]], short: bool) -> None:
    """`split_pence` (a decision's commitment, event by event) gives exactly what
    `allocate_by_splits` gives for one part, the partners given nothing left out, and declines
    (None) where it declines: a negative amount, or a partner outside the order."""
    from pooledbudget.money import split_pence

    split, order = split_and_order
    if short:
        order = order[1:]
    expected = allocate_by_splits([(pence, split)], order)
    found = split_pence(pence, split, order)
    if expected is None:
        assert found is None
    else:
        assert found == {code: part for code, part in expected.items() if part}
