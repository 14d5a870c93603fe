"""The catch_up figure in instructions: a catch-up into emptied read models, and bare decoding
of the same log, each counted by valgrind's cachegrind in a child process.

    python -m benchmarks.instructions [--size tiny|quick|full] [--rounds 3] [--against NAME=SRC]

On a shared machine one quick run's `catch_up` moves by a tenth from run to run, and two
checkouts timed in turn cannot tell a change of a few per cent. An instruction count does not
move with other people's load: the same code on the same log counts the same to about one part
in a thousand. It leaves out what the CPU waits for (memory, the disk), so its ratio is not the
graded one; it says which of two versions does less work, and by how much.

Each count is a whole child process: opened, warmed (a decode and a catch-up, untimed in
effect), then `--rounds` of the work; the same child doing no rounds is subtracted, and the
rest divided by the rounds. `--against NAME=SRC` counts another checkout's `src` on the same
log, in the same run. Needs `valgrind` on the PATH; without it, it says so and stops.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_REFS = re.compile(r"I\s+refs:\s+([0-9,]+)")


def refs(valgrind_output: str) -> int:
    """The instruction count cachegrind prints at exit ("I refs: 3,581,702,695")."""
    found = _REFS.search(valgrind_output)
    if found is None:
        raise ValueError("no instruction count in valgrind's output")
    return int(found.group(1).replace(",", ""))


def child(ledger_path: str, work: str, rounds: int) -> None:
    """What is counted: the ledger opened and warmed, then `rounds` of `work` (catch_up,
    decode or none)."""
    from pooledbudget.application import open_ledger
    from pooledbudget.logs import configure_logging
    from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up

    from .baseline import bare_decode

    configure_logging("off")
    ledger = open_ledger(f"sqlite:///{ledger_path}")
    store = ReadModelStore.for_database(ledger.database)  # type: ignore[arg-type]
    store.drop_read_models()
    bare_decode(ledger)
    catch_up(ledger, LedgerProjection(store, ledger))
    store.drop_read_models()
    for _ in range(rounds if work != "none" else 0):
        if work == "decode":
            bare_decode(ledger)
        else:
            catch_up(ledger, LedgerProjection(store, ledger))
            store.drop_read_models()
    store.close()
    ledger.close()


def counted(src: Path, ledger_path: str, work: str, rounds: int) -> int:
    """The instructions of one child process run on `src`'s code, on a copy of the ledger as
    `build_ledger` left it: every child starts from the same file (a file some other child
    wrote to counted tens of millions of instructions apart, doing nothing more), the same
    hashes and nothing compiled kept."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)]),
           "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as directory:
        copy = shutil.copy(ledger_path, f"{directory}/ledger.db")
        run = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no",
             "--cachegrind-out-file=/dev/null", sys.executable, "-m", "benchmarks.instructions",
             "--child", work, "--ledger", copy, "--rounds", str(rounds)],
            env=env, capture_output=True, text=True, check=True)
    return refs(run.stderr)


def build_ledger(path: str, size: str) -> int:
    """The run's import (`runner.batch_import`'s feed at `size`) applied to a SQLite file."""
    from pooledbudget.application import open_ledger
    from pooledbudget.logs import configure_logging
    from pooledbudget.projections import ReadModelStore

    from . import generator as g
    from .runner import SIZES, apply_all, events_in

    configure_logging("off")
    ledger = open_ledger(f"sqlite:///{path}")
    apply_all(ledger, g.as_lines(g.generate(SIZES[size].import_spec, 1)))
    events = events_in(ledger)
    ReadModelStore.for_database(ledger.database).drop_read_models()  # type: ignore[arg-type]
    ledger.close()
    with sqlite3.connect(path) as conn:  # one file, nothing left in its write-ahead log
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return events


def count_sides(sides: dict[str, Path], ledger_path: str, rounds: int) -> dict[str, Any]:
    """Per side: instructions a catch-up and a decode take, and decode ÷ catch-up."""
    found: dict[str, Any] = {}
    for name, src in sides.items():
        base = counted(src, ledger_path, "none", rounds)
        per = {work: (counted(src, ledger_path, work, rounds) - base) / rounds
               for work in ("catch_up", "decode")}
        found[name] = {"catch_up_instructions": round(per["catch_up"]),
                       "decode_instructions": round(per["decode"]),
                       "ratio": round(per["decode"] / per["catch_up"], 3)}
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="quick", choices=("tiny", "quick", "full"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", action="append", default=[], metavar="NAME=SRC")
    parser.add_argument("--child", choices=("catch_up", "decode", "none"), help=argparse.SUPPRESS)
    parser.add_argument("--ledger", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.ledger, args.child, args.rounds)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not on the PATH: nothing counted", file=sys.stderr)
        return 2
    sides = {"this": ROOT / "src"}
    for pair in args.against:
        name, _, src = pair.partition("=")
        sides[name] = Path(src).resolve()
    with tempfile.TemporaryDirectory() as directory:
        path = f"{directory}/ledger.db"
        events = build_ledger(path, args.size)
        result = {"size": args.size, "events": events, "rounds": args.rounds,
                  "sides": count_sides(sides, path, args.rounds)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
