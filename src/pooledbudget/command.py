"""The `pooledbudget` command's entry point: the program owns its process from its first line.

Importing the command line (eventsourcing, SQLAlchemy, pydantic, psycopg and our modules) makes
some 45,000 objects that live as long as the process. CPython's collector, started over and over
while they are made, searched them each time and found about 600 unreachable objects: about a
fifth of a small report's whole time (decision 0041). Here the collector is paused while the
command line is imported, and what the import made is then frozen (`gc.freeze`), so later
collections never search it; collection then runs as before. Only a process that is this
command does this: importing `pooledbudget.cli` from another program changes nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """`pooledbudget ...`: the command line, imported with the collector paused."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from .cli import main as run
    finally:
        gc.freeze()  # what the import made stays for the process's life: never searched
        if was_enabled:
            gc.enable()
    return run(argv)
