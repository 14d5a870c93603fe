"""Start-up: `pooledbudget report shares` on a small ledger, as a whole process, against a process
that only imports eventsourcing, SQLAlchemy and pydantic (what any program on that stack pays),
both from compiled bytecode as an installed package runs.

Both are started in turn, several times each, and the medians compared: a loaded machine moves
single start-ups by tens of percent.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

SHARES = ("import sys; from pooledbudget.cli import main; sys.exit(main())")
IMPORTS_ONLY = "import eventsourcing.application, sqlalchemy, pydantic"
# On PostgreSQL every program on the stack also loads its driver: the baseline does too.
DRIVER = {"postgresql": ", psycopg"}


def _run(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t0


def _compile_bytecode() -> None:
    """Our modules' bytecode written once, as installing a package does, so that neither
    process compiles source while timed: the imports-only one reads site-packages' bytecode,
    and a machine with PYTHONDONTWRITEBYTECODE set would otherwise compile ours every run."""
    import compileall

    import pooledbudget

    compileall.compile_dir(Path(pooledbudget.__file__).parent, quiet=1)


def measure(url: str, pool: str, year: str, rounds: int = 7) -> dict[str, float]:
    """Median seconds of each process over `rounds`, started in turn (one of each untimed
    first, so that neither pays alone for a cold file cache)."""
    _compile_bytecode()
    shares = [sys.executable, "-c", SHARES, "report", "shares", "--pool", pool, "--year", year,
              "--format", "json", "--db", url]
    driver = DRIVER.get("postgresql" if url.startswith("postgresql") else "sqlite", "")
    bare = [sys.executable, "-c", IMPORTS_ONLY + driver]
    _run(shares), _run(bare)
    took: dict[str, list[float]] = {"shares": [], "imports_only": []}
    for _ in range(rounds):
        took["shares"].append(_run(shares))
        took["imports_only"].append(_run(bare))
    return {name: statistics.median(times) for name, times in took.items()}


def main() -> None:
    """`python -m benchmarks.startup`: the figure on a tiny generated ledger."""
    import tempfile

    from pooledbudget.application import open_ledger
    from pooledbudget.batch import apply_lines

    from . import generator as g

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'small.db'}"
        ledger = open_ledger(url)
        spec = g.PoolSpec(pools=1, decisions=4, weeks=4)
        list(apply_lines(ledger, g.as_lines(g.generate(spec, 1))))
        ledger.close()
        result = measure(url, "SYN001", g.YEAR)
    print(f"shares {result['shares']:.3f} s, imports only {result['imports_only']:.3f} s, "
          f"ratio {result['shares'] / result['imports_only']:.2f}")


if __name__ == "__main__":
    main()
