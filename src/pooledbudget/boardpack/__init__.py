"""The board pack: one self-contained HTML file a pooled-budget board reads (and prints to A4).

Figures come from the ledger's read models (`data.gather`), charts from matplotlib as inline SVG
(`charts`, imported only when a pack is drawn, so the command line starts without matplotlib),
and `render` lays them out as A4 sheets, each chart's numbers in a table beside it, the full
lists in appendices.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..application import LedgerApplication
    from .data import BoardPackData, gather
    from .render import render

# Imported when first asked for: every command imports this package to register `board-pack`
# (its subcommand module lives here), and only `board-pack` needs what gathers and draws a pack.
_LAZY = {"BoardPackData": "data", "gather": "data", "render": "render"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BoardPackData", "board_pack", "gather", "render", "write_board_pack"]


def board_pack(ledger: LedgerApplication, pool: str, year: str, as_at: datetime | None = None,
               tolerance: Decimal = Decimal(5)) -> str:
    """The pack's HTML for `pool` and financial `year`, as the ledger stood at `as_at`."""
    # through the package's names: importing the submodule `render` here would bind the
    # package's `render` to the module instead of the function
    pack: str = __getattr__("render")(__getattr__("gather")(ledger, pool, year, as_at, tolerance))
    return pack


def write_board_pack(ledger: LedgerApplication, pool: str, year: str, path: Path,
                     as_at: datetime | None = None, tolerance: Decimal = Decimal(5)) -> Path:
    path.write_text(board_pack(ledger, pool, year, as_at, tolerance), encoding="utf-8")
    return path
