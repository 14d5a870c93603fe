"""`pooledbudget board-pack`: writes the pack for a pool and year to an HTML file."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..cli_options import UsageError, add_db_option, recording_time


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "board-pack", help="write the board pack (self-contained HTML, prints to A4)")
    parser.add_argument("--pool", required=True)
    parser.add_argument("--year", required=True, help="financial year, e.g. 2026-27")
    parser.add_argument("--as-at", help="as the ledger stood at this recording time (ISO-8601)")
    parser.add_argument("--tolerance", default="5",
                        help="variance tolerance in percent for the red/amber/green rating (default 5)")
    add_db_option(parser)
    parser.add_argument("-o", "--output", default="board-pack.html", help="HTML file to write")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from ..application import open_ledger
    from . import write_board_pack

    try:
        tolerance = Decimal(args.tolerance)
    except InvalidOperation:
        tolerance = Decimal("NaN")
    if not tolerance.is_finite() or tolerance < 0:
        raise UsageError(f"--tolerance {args.tolerance!r} is not a percentage ≥ 0", field="tolerance")
    as_at = recording_time(args.as_at) if args.as_at else None
    ledger = open_ledger(args.db)
    try:
        path = write_board_pack(ledger, args.pool, args.year, Path(args.output), as_at, tolerance)
    finally:
        ledger.close()
    print(f"Board pack written to {path}")
    return 0
