"""The accrual's expected cost of service, as a pure function of terms and a month's end."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from pooledbudget.money import Money
from pooledbudget.reports.accruals import element_expected

START = date(2026, 4, 1)


@given(rate=st.integers(1, 500_000), weeks=st.integers(1, 52), total=st.integers(1, 10_000_000),
       length=st.integers(0, 364), first=st.integers(-40, 400), later=st.integers(0, 400),
       weekly=st.booleans())
def test_expected_service_grows_with_time_and_never_passes_the_cost(
        rate: int, weeks: int, total: int, length: int, first: int, later: int,
        weekly: bool) -> None:
    """For any element and any two month ends, the service expected by the later one is at
    least that expected by the earlier one; it is 0 before the start and never more than the
    element's cost; a weekly element's is a whole number of weeks at its rate."""
    end = START + timedelta(days=length)
    if weekly:
        basis = {"weekly": str(Decimal(rate) / 100), "weeks": str(weeks)}
        cost = Decimal(rate) / 100 * weeks
    else:
        basis, cost = {"total": str(Decimal(total) / 100)}, Decimal(total) / 100
    early = START + timedelta(days=first)
    late = early + timedelta(days=later)
    a = element_expected(basis, Money.of(cost), START, end, early)
    b = element_expected(basis, Money.of(cost), START, end, late)
    assert 0 <= a <= b <= Fraction(cost)
    if first < 0:
        assert a == 0
    if weekly:
        assert (a / Fraction(Decimal(basis["weekly"]))).denominator == 1
    if late >= end and not weekly:
        assert b == Fraction(cost)
