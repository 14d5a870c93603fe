"""Long lists on a board sheet: the rows that matter, one row for the rest, the rest in full at the back.

A `Listing` is a table's every row. On its main sheet it shows the rows chosen by `pick` (the
largest, and those a board must act on), then one "N other …" row whose money columns add up
the rows not shown, then the total of every row, so the sheet's figures always add up. When
rows are left out, the whole list goes to an appendix (`Appendices`), printed across as many pages
as it needs with its header repeated on each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from .wording import gbp

Cell = str | Decimal  # a Decimal is money: printed in pounds, added up when its column is summed


@dataclass(frozen=True)
class Column:
    heading: str
    numeric: bool = False  # right-aligned
    summed: bool = False  # money added up in the "others" and total rows


@dataclass(frozen=True)
class Listing:
    key: str  # the appendix's anchor is "all-" + key
    caption: str
    plural: str  # "decisions"
    singular: str  # "decision"
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]  # the appendix's order
    shown: Sequence[int] | None = None  # row indices for the main sheet, in order; None: all
    total_label: str | None = "Total"  # None: no total row

    @property
    def hidden(self) -> list[int]:
        if self.shown is None:
            return []
        chosen = set(self.shown)
        return [i for i in range(len(self.rows)) if i not in chosen]


def pick(rows: Sequence[object], limit: int, score: Callable[[int], Decimal],
         must: Callable[[int], bool] | None = None, must_limit: int = 5) -> list[int] | None:
    """Indices of the `limit` rows of highest `score`, plus up to `must_limit` more for which
    `must` holds (highest score first); None when every row fits."""
    if len(rows) <= limit + (must_limit if must else 0):
        return None
    order = sorted(range(len(rows)), key=lambda i: (-score(i), i))
    top = order[:limit]
    if must:
        top += [i for i in order[limit:] if must(i)][:must_limit]
    return sorted(top, key=lambda i: (-score(i), i))


def _text(cell: Cell) -> str:
    return gbp(cell) if isinstance(cell, Decimal) else cell


def _sums(listing: Listing, indices: Sequence[int]) -> list[Cell]:
    out: list[Cell] = []
    for c, column in enumerate(listing.columns):
        out.append(sum((Decimal(listing.rows[i][c]) for i in indices), Decimal("0.00"))
                   if column.summed else "")
    return out


def _row(listing: Listing, cells: Sequence[Cell], tag: str = "td", css: str = "") -> str:
    parts = []
    for i, (cell, column) in enumerate(zip(cells, listing.columns, strict=True)):
        cls = ' class="num"' if column.numeric or column.summed else ""
        cell_tag = "th" if tag == "th" or (i == 0 and tag == "td") else tag
        scope = ' scope="row"' if cell_tag == "th" and i == 0 else ""
        parts.append(f"<{cell_tag}{scope}{cls}>{escape(_text(cell))}</{cell_tag}>")
    row_class = f' class="{css}"' if css else ""
    return f"<tr{row_class}>{''.join(parts)}</tr>"


def _table(listing: Listing, body: str, foot: str, appendix: bool) -> str:
    head = "".join(f'<th scope="col"{" class=num" if c.numeric or c.summed else ""}>'
                   f"{escape(c.heading)}</th>" for c in listing.columns)
    cls = ' class="long"' if appendix else ""
    ident = f' id="all-{listing.key}-table"' if appendix else f' id="{listing.key}-table"'
    return (f"<table{ident}{cls}><caption>{escape(listing.caption)}</caption><thead><tr>{head}"
            f"</tr></thead><tbody>{body}</tbody>{foot}</table>")


def _total(listing: Listing) -> str:
    if listing.total_label is None:
        return ""
    cells = _sums(listing, range(len(listing.rows)))
    cells[0] = listing.total_label
    return f"<tfoot>{_row(listing, cells, 'th')}</tfoot>"


class Appendices:
    """The pack's appendices, lettered in the order the main sheets send lists to them."""

    def __init__(self) -> None:
        self.listings: list[tuple[str, Listing]] = []

    def letter(self, listing: Listing) -> str:
        for letter, known in self.listings:
            if known.key == listing.key:
                return letter
        letter = chr(ord("A") + len(self.listings))
        self.listings.append((letter, listing))
        return letter

    def main_table(self, listing: Listing) -> str:
        """The sheet's table: chosen rows, one row for the others, the total."""
        hidden = listing.hidden
        shown = range(len(listing.rows)) if listing.shown is None else listing.shown
        body = "".join(_row(listing, listing.rows[i]) for i in shown)
        if hidden:
            letter = self.letter(listing)
            cells = _sums(listing, hidden)
            noun = listing.singular if len(hidden) == 1 else listing.plural
            label = escape(f"{len(hidden)} other {noun}")
            first = (f'<th scope="row">{label} — <a href="#all-{listing.key}">in full in '
                     f"Appendix {letter}</a></th>")
            rest = _row(listing, cells)
            rest = rest[rest.index("</th>") + len("</th>"):]
            body += f'<tr class="others">{first}{rest}'
        return _table(listing, body, _total(listing), appendix=False)

    def sheets(self) -> list[tuple[str, str, str]]:
        """(anchor, title, body) of each appendix: the whole list, its header on every page."""
        out = []
        for letter, listing in self.listings:
            body = "".join(_row(listing, row) for row in listing.rows)
            title = f"Appendix {letter}: {listing.caption}"
            count = len(listing.rows)
            intro = (f"<p>All {count} {listing.plural if count != 1 else listing.singular}, "
                     f"of which the main sheet shows {len(listing.rows) - len(listing.hidden)}."
                     "</p>")
            out.append((f"all-{listing.key}", title,
                        f"<h2>{escape(title)}</h2>{intro}"
                        f"{_table(listing, body, _total(listing), appendix=True)}"))
        return out
