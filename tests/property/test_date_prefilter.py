"""The date-of-birth screen (R9) looks for a digit, a separator and a digit before trying the
written-out numeric date forms (personal_data/dates.py): that look must never hide a date."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pooledbudget.personal_data import dates

texts = st.text(alphabet=st.sampled_from("0123456789/.-_ abAB'"), max_size=24)


@settings(max_examples=500)
@given(texts)
def test_no_numeric_or_iso_date_is_found_where_the_look_finds_nothing(text: str) -> None:
    """Whenever a day/month/year or year-month-day form is in the text, so is a digit, a
    separator and a digit: the shortcut skips only texts where neither form can be found."""
    if dates.NUMERIC.search(text) or dates.ISO.search(text):
        assert dates._SEPARATED.search(text)


def test_dates_written_with_separators_are_still_found() -> None:
    from datetime import date

    on = date(2026, 12, 5)
    assert list(dates.dates_in("jane-03/04/1988", on)) == [date(1988, 4, 3)]
    assert list(dates.dates_in("SMITH-1988-04-03", on)) == [date(1988, 4, 3)]
    assert list(dates.dates_in("SYN002-c-0000151", on, compact=True)) == []
