"""The board pack: one self-contained HTML file a pooled-budget board reads (and prints to A4).

Figures come from the ledger's read models (`data.gather`), charts from matplotlib as inline SVG
(`charts`), and `render` lays them out as A4 sheets, each chart's numbers in a table beside it,
the full lists in appendices. This package imports them only when a pack is made, so that the
command line starts without matplotlib.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..application import LedgerApplication
    from .data import BoardPackData

__all__ = ["BoardPackData", "board_pack", "gather", "render", "write_board_pack"]


def __getattr__(name: str) -> Any:
    if name in ("BoardPackData", "gather"):
        from . import data

        return getattr(data, name)
    if name == "render":
        from .render import render

        return render
    raise AttributeError(name)


def board_pack(ledger: LedgerApplication, pool: str, year: str, as_at: datetime | None = None,
               tolerance: Decimal = Decimal(5)) -> str:
    """The pack's HTML for `pool` and financial `year`, as the ledger stood at `as_at`."""
    from .data import gather
    from .render import render

    return render(gather(ledger, pool, year, as_at, tolerance))


def write_board_pack(ledger: LedgerApplication, pool: str, year: str, path: Path,
                     as_at: datetime | None = None, tolerance: Decimal = Decimal(5)) -> Path:
    path.write_text(board_pack(ledger, pool, year, as_at, tolerance), encoding="utf-8")
    return path
