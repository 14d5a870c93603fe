"""Start-up: `pooledbudget report shares` on a small ledger, as a whole process, against a process
that only imports eventsourcing, SQLAlchemy and pydantic (what any program on that stack pays),
both from compiled bytecode as an installed package runs.

Both are started in turn, several times each, and the medians compared: a loaded machine moves
single start-ups by tens of percent.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The installed `pooledbudget` script runs `pooledbudget.command:main`, which imports the command
# line with the collector paused (decision 0041); `shares_cli` imports `pooledbudget.cli` as
# another program would, so the run's details also show our modules' cost without that pause.
SHARES = "import sys; from pooledbudget.command import main; sys.exit(main())"
SHARES_CLI = "import sys; from pooledbudget.cli import main; sys.exit(main())"
IMPORTS_ONLY = "import eventsourcing.application, sqlalchemy, pydantic"
# What any program on the stack loads to talk to the database at all: SQLAlchemy's dialect for
# it and, on PostgreSQL, the driver. The graded baseline loads it too; the literal one (the
# three packages alone) is measured beside it and kept in the run's details.
BACKEND = {"sqlite": ", sqlalchemy.dialects.sqlite",
           "postgresql": ", sqlalchemy.dialects.postgresql, psycopg"}


def _run(argv: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def _compile_bytecode() -> None:
    """Our modules' bytecode written once, as installing a package does, so that neither
    process compiles source while timed: the imports-only one reads site-packages' bytecode,
    and a machine with PYTHONDONTWRITEBYTECODE set would otherwise compile ours every run."""
    import compileall

    import pooledbudget

    compileall.compile_dir(Path(pooledbudget.__file__).parent, quiet=1)


def measure(url: str, pool: str, year: str, rounds: int = 7,
            against: dict[str, Path] | None = None) -> dict[str, float]:
    """Median seconds of each process over `rounds`, started in turn (one of each untimed
    first, so that neither pays alone for a cold file cache). `against` names other checkouts'
    `src` folders: the same report is also timed from each, in the same rounds (an A/B)."""
    _compile_bytecode()
    report = ["report", "shares", "--pool", pool, "--year", year, "--format", "json", "--db", url]
    shares = [sys.executable, "-c", SHARES, *report]
    backend = BACKEND["postgresql" if url.startswith("postgresql") else "sqlite"]
    processes: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "shares": (shares, None),
        "shares_cli": ([sys.executable, "-c", SHARES_CLI, *report], None),
        "imports_only": ([sys.executable, "-c", IMPORTS_ONLY + backend], None),
        "imports_only_literal": ([sys.executable, "-c", IMPORTS_ONLY], None)}
    for name, src in (against or {}).items():
        import compileall

        compileall.compile_dir(src, quiet=1)
        # The other checkout's command line, imported as it was (it may have no command.py).
        processes[f"shares_{name}"] = ([sys.executable, "-c", SHARES_CLI, *report],
                                       {**os.environ, "PYTHONPATH": str(src)})
    for argv, env in processes.values():
        _run(argv, env)
    took: dict[str, list[float]] = {name: [] for name in processes}
    for _ in range(rounds):
        for name, (argv, env) in processes.items():
            took[name].append(_run(argv, env))
    return {name: statistics.median(times) for name, times in took.items()}


def main() -> None:
    """`python -m benchmarks.startup [--db URL] [--rounds N] [--against NAME=SRC ...]`: the
    figure on a tiny generated ledger (SQLite in a temporary folder, or a fresh schema of the
    PostgreSQL database given); each `--against` also times the report from another
    checkout's `src` folder in the same rounds, and prints its ratio beside ours."""
    import argparse

    from pooledbudget.application import open_ledger
    from pooledbudget.batch import apply_lines

    from . import generator as g
    from .runner import Backend

    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup")
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--against", action="append", default=[], metavar="NAME=SRC")
    args = parser.parse_args()
    against = {name: Path(src).resolve() for name, src in
               (item.split("=", 1) for item in args.against)}
    backend = Backend(args.db)
    try:
        url = backend.url("startup")
        ledger = open_ledger(url)
        spec = g.PoolSpec(pools=1, decisions=4, weeks=4)
        list(apply_lines(ledger, g.as_lines(g.generate(spec, 1))))
        ledger.close()
        result = measure(url, "SYN001", g.YEAR, args.rounds, against)
    finally:
        backend.close()
    base = result["imports_only"]
    print(f"{backend.kind}: shares {result['shares']:.3f} s, imports only {base:.3f} s "
          f"(without the dialect {result['imports_only_literal']:.3f} s), "
          f"ratio {result['shares'] / base:.2f}; importing pooledbudget.cli "
          f"{result['shares_cli']:.3f} s, ratio {result['shares_cli'] / base:.2f}")
    for name in against:
        took = result[f"shares_{name}"]
        print(f"  {name}: shares {took:.3f} s, ratio {took / base:.2f}")


if __name__ == "__main__":
    main()
