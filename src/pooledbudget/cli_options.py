"""What every `pooledbudget` subcommand shares: the `--db` option, recording times, usage errors.

The subcommands of the board pack, the exports and the audit register themselves with the command
line; they take these from here rather than from `cli.py`, so nothing imports the command line
itself (see docs/developers/architecture.md).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from .errors import LedgerError

DB_HELP = "database URL (default $POOLEDBUDGET_DB, else sqlite:///pooledbudget.db)"


class UsageError(LedgerError):
    """The command line itself is wrong (a bad option value); exit status 2."""

    code = "usage"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The one `--db URL` option; `open_ledger(None)` falls back to `$POOLEDBUDGET_DB`."""
    parser.add_argument("--db", default=None, help=DB_HELP)


def recording_time(text: str, option: str = "--as-at") -> datetime:
    """An ISO-8601 recording time; without an offset it is UTC (docs/reference/wire-format.md)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not an ISO-8601 time",
                         field=option.lstrip("-").replace("-", "_")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
