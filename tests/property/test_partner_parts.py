"""A spend's allocation as a decision keeps it (`partner_parts`), against the event's own
dictionaries."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pooledbudget.aggregates.decision.state import each_part, partner_parts

CODES = ["ASC", "CFS", "SMS", "NHS"]
pence_text = st.integers(0, 10**9).map(lambda p: f"{p // 100}.{p % 100:02d}") | st.just("0")
split = st.dictionaries(st.sampled_from(CODES), pence_text, max_size=len(CODES))


@given(split, split, st.booleans())
def test_the_parts_are_each_partners_pence_with_a_part(funding: dict[str, str],
                                                       responsibility: dict[str, str],
                                                       same: bool) -> None:
    """For any funding and responsibility (the same dictionary's content, or not), the parts
    name each partner of either with a funded or a responsible part that is not nought, once,
    in the order the event names them, with exactly those pence; and no other partner."""
    if same:
        responsibility = dict(funding)
    expected = []
    for code in dict.fromkeys([*funding, *responsibility]):
        funded = int(Decimal(funding.get(code, "0")) * 100)
        responsible = int(Decimal(responsibility.get(code, "0")) * 100)
        if funded or responsible:
            expected.append((code, funded, responsible))
    assert list(each_part(partner_parts(funding, responsibility))) == expected
