"""The `pooledbudget` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .application import open_ledger
from .batch import apply_lines
from .errors import LedgerError
from .logs import configure_logging


def _apply(args: argparse.Namespace) -> int:
    try:
        handle = open(args.file, encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        print(f"pooledbudget apply: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    ledger = open_ledger(args.db)
    failed = False
    with handle:
        for result in apply_lines(ledger, handle, use_command_time=args.use_command_time):
            failed |= not result["ok"]
            print(json.dumps(result), flush=True)
    ledger.close()
    return 1 if failed else 0


def _demo(args: argparse.Namespace) -> int:
    """The worked scenario into a fresh SQLite file, with a summary of what was recorded."""
    from importlib.resources import files
    from pathlib import Path

    path = Path(args.db_file)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    scenario = files("pooledbudget") / "scenarios" / "family_recovery_pool.jsonl"
    ledger = open_ledger(f"sqlite:///{path}")
    results = list(apply_lines(ledger, scenario.read_text(encoding="utf-8").splitlines(),
                               use_command_time=True))
    ledger.close()
    failed = [r for r in results if not r["ok"]]
    print(f"Applied the worked scenario to {path}: {len(results) - len(failed)} lines recorded, "
          f"{len(failed)} rejected as the scenario intends:")
    for r in failed:
        print(f"  line {r['line']:>3} {r['command']}: {r['error']['rule'] or '-'} "
              f"{r['error']['message']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pooledbudget",
                                     description="Event-sourced ledger for pooled budgets.")
    parser.add_argument("--log", choices=["off", "console", "json"], default=None,
                        help="structured log of each command to stderr "
                             "(default $POOLEDBUDGET_LOG or off)")
    sub = parser.add_subparsers(dest="action", required=True)

    apply = sub.add_parser("apply", help="apply a JSON-Lines file of commands")
    apply.add_argument("file")
    apply.add_argument("--db", default=None,
                       help="database URL (default $POOLEDBUDGET_DB, else sqlite:///pooledbudget.db)")
    apply.add_argument("--use-command-time", action="store_true",
                       help="record each line at its `at` time (migrations, scenarios)")
    apply.set_defaults(run=_apply)

    demo = sub.add_parser("demo", help="run the worked scenario into a fresh SQLite file")
    demo.add_argument("--db-file", default="pooledbudget-demo.db")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log)
    try:
        code: int = args.run(args)
    except LedgerError as error:
        print(f"pooledbudget: {error.message}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
