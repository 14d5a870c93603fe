"""A main sheet's table: the rows shown and the one "others" row add up to the total."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pooledbudget.boardpack.listing import Appendices, Column, Listing, pick
from pooledbudget.boardpack.wording import article, gbp

pence = st.integers(min_value=-10**9, max_value=10**9).map(lambda p: Decimal(p) / 100)


def _money(cell: str) -> Decimal:
    return Decimal(cell.replace("£", "").replace(",", "").replace("−", "-"))


@given(st.lists(st.tuples(pence, pence, st.booleans()), max_size=60), st.integers(1, 20))
def test_shown_rows_and_others_add_up_to_the_total(rows: list[tuple[Decimal, Decimal, bool]],
                                                     limit: int) -> None:
    """Whatever rows a sheet picks, the money columns of the shown rows plus the "others" row
    equal the total of every row, every row is in the appendix, and a row picked for the sheet
    is one of the largest or one that must be shown."""
    table = [[f"D{i:03d}", "pending" if p else "approved", a, b] for i, (a, b, p) in enumerate(rows)]
    shown = pick(table, limit, lambda i: rows[i][0] + rows[i][1], must=lambda i: rows[i][2],
                 must_limit=3)
    listing = Listing("t", "Test", "decisions", "decision",
                      [Column("Id"), Column("Status"), Column("A", summed=True),
                       Column("B", summed=True)], table, shown)
    appendices = Appendices()
    html = appendices.main_table(listing)
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    cells = re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    column = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", c) for c in cells]
    for index in (2, 3):
        total = sum((r[index] for r in table), Decimal("0.00"))  # type: ignore[misc]
        assert sum((_money(c[index]) for c in column), Decimal(0)) == total
        assert f"{gbp(total)}</th>" in html.split("<tfoot>")[1] if table else True
    if shown is None:
        assert appendices.sheets() == [] and len(cells) == len(table)
    else:
        assert len(shown) <= limit + 3 and len(cells) == len(shown) + 1
        assert f"{len(table) - len(shown)} other decision" in html
        (_, title, appendix), = appendices.sheets()
        assert all(f">{r[0]}<" in appendix for r in table)


def test_article() -> None:
    assert article("overspend") == "an overspend"
    assert article("underspend") == "an underspend"
    assert article("nil outturn") == "a nil outturn"
