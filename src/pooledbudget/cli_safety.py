"""What keeps the command line safe on any input: one handler for every failure, checked
arguments and output paths.

Exit codes: 0 done; 1 a line of `apply` failed or `verify` found a problem; 2 the command could
not run as asked (usage, a missing or unreadable database, a wrong key, an output it must not
write, or an unexpected error). Every failure is one line on standard error, passwords redacted;
`POOLEDBUDGET_DEBUG=1` shows the traceback of an unexpected one.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import LedgerError, OutputPathError
from .redaction import redact

EXIT_FAILED = 1
EXIT_CANNOT_RUN = 2
YEAR = re.compile(r"([0-9]{4})-([0-9]{2})")


def run_safely(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Runs one CLI command; whatever it raises becomes one clear line and an exit code."""
    try:
        return int(command(args))
    except LedgerError as error:
        return _fail(error.message)
    except KeyboardInterrupt:
        return _fail("interrupted", code=130)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, without the interpreter's complaint.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except RecursionError:
        return _fail("the input nests too deeply to read")
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        return _fail(f"{error.strerror or error}{where}")
    except Exception as error:  # noqa: BLE001 - the point: no traceback on any input
        if os.environ.get("POOLEDBUDGET_DEBUG"):
            raise
        return _fail(describe(error))


def describe(error: BaseException) -> str:
    """A database or driver error as what went wrong, else the error's kind and text."""
    kind = type(error).__name__
    module = type(error).__module__.split(".")[0]
    text = str(getattr(error, "orig", None) or error)
    if isinstance(error, sqlite3.Error) or module in ("sqlalchemy", "psycopg", "eventsourcing",
                                                     "sqlite3"):
        if "readonly database" in text or "read-only" in text:
            return f"the database is read-only: {text}"
        if "file is not a database" in text:
            return "the file given as the database is not a SQLite database"
        return f"database error ({kind}): {text}"
    return (f"unexpected error ({kind}): {text} (set POOLEDBUDGET_DEBUG=1 for the traceback "
            "and report it)")


def _fail(message: str, code: int = EXIT_CANNOT_RUN) -> int:
    line = " ".join(redact(message).split())
    print(f"pooledbudget: {line}", file=sys.stderr)
    return code


def financial_year(text: str) -> str:
    """argparse type for `--year`: `2026-27`, the second part the year after the first."""
    match = YEAR.fullmatch(text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a financial year: write YYYY-YY, the second part the year after "
            "the first (2026-27)")
    return text


def checked_output(output: str, *, db_url: str | None, force: bool) -> Path:
    """An output path a command may write: never the ledger's database (nor any SQLite file),
    and an existing file only with --force."""
    from .persistence import database, is_sqlite_file, sqlite_path

    path = Path(output)
    db_file = sqlite_path(database(db_url))
    if db_file is not None:
        targets = {db_file.resolve(), *(Path(f"{db_file}{s}").resolve() for s in ("-wal", "-shm"))}
        if path.resolve() in targets:
            raise OutputPathError(f"refusing to write over the database {str(db_file)!r}",
                                  field="output", code="output_is_database")
    if path.is_dir():
        raise OutputPathError(f"{output!r} is a directory", field="output",
                              code="output_is_directory")
    if path.exists():
        if is_sqlite_file(path):
            raise OutputPathError(f"refusing to write over {output!r}: it is a SQLite database",
                                  field="output", code="output_is_database")
        if not force:
            raise OutputPathError(f"{output!r} exists: pass --force to replace it",
                                  field="output", code="output_exists")
    if not path.parent.is_dir():
        raise OutputPathError(f"no directory {str(path.parent)!r} for {output!r}",
                              field="output", code="output_directory_missing")
    return path


def add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="replace the output file if it exists (never a database)")
