"""The board pack: one self-contained HTML file a pooled-budget board reads (and prints to A4).

Figures come from the ledger's read models (`data.gather`), charts from matplotlib as inline SVG
(`charts`, imported only when a pack is drawn, so the command line starts without matplotlib),
and `render` lays them out as A4 sheets, each chart's numbers in a table beside it, the full
lists in appendices.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ..application import LedgerApplication
from .data import BoardPackData, gather
from .render import render

__all__ = ["BoardPackData", "board_pack", "gather", "render", "write_board_pack"]


def board_pack(ledger: LedgerApplication, pool: str, year: str, as_at: datetime | None = None,
               tolerance: Decimal = Decimal(5)) -> str:
    """The pack's HTML for `pool` and financial `year`, as the ledger stood at `as_at`."""
    return render(gather(ledger, pool, year, as_at, tolerance))


def write_board_pack(ledger: LedgerApplication, pool: str, year: str, path: Path,
                     as_at: datetime | None = None, tolerance: Decimal = Decimal(5)) -> Path:
    path.write_text(board_pack(ledger, pool, year, as_at, tolerance), encoding="utf-8")
    return path
