"""`pooledbudget demo` replaces only what it made: its ledgers carry a mark in the SQLite header.

The mark is the file's `application_id` (a header field SQLite keeps for this purpose), so no
table is added to the ledger. A file without it — a real ledger, or anything else — is refused.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from .errors import OutputPathError
from .persistence import is_sqlite_file

DEMO_APPLICATION_ID = 0x70624465  # "pbDe"


def is_demo_ledger(path: Path) -> bool:
    if not is_sqlite_file(path):
        return False
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            (found,) = conn.execute("PRAGMA application_id").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return bool(found == DEMO_APPLICATION_ID)


def replace_demo_ledger(path: Path) -> None:
    """Deletes an earlier demo ledger at `path` (and its board pack may then be replaced);
    refuses any other file there, or a board pack path that is not the demo's to replace."""
    pack = path.with_suffix(".html")
    if pack.resolve() == path.resolve():
        raise OutputPathError(f"the demo writes its board pack beside the database as {pack}: "
                              "give the database another suffix (.db)", field="db_file",
                              code="output_is_database")
    rerun = path.exists() and is_demo_ledger(path)
    if path.exists() and not rerun:
        raise OutputPathError(
            f"{str(path)!r} exists and is not a ledger made by `pooledbudget demo`: refusing to "
            "replace it (choose another --db-file)", field="db_file", code="output_exists")
    if pack.exists() and not rerun:
        raise OutputPathError(
            f"{str(pack)!r} exists and was not written by an earlier demo: refusing to replace "
            "it (choose another --db-file)", field="db_file", code="output_exists")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def mark_demo_ledger(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        conn.commit()
    finally:
        conn.close()
