"""`pooledbudget verify` and `pooledbudget history`: the auditor's commands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..cli_options import add_db_option
from ..opening import open_existing


def register(sub: Any) -> None:
    verify = sub.add_parser("verify", help="recompute every hash chain and check the seals (R24)")
    add_db_option(verify)
    verify.add_argument("--pool", help="only this pool's aggregates")
    verify.add_argument("--seal", help="a seal digest written down earlier: it must still verify")
    verify.add_argument("--expect-head", metavar="DIGEST",
                        help="a pool's head written down earlier (with --pool): the pool's "
                             "history must still pass through it")
    verify.add_argument("--from-seal", metavar="DIGEST",
                        help="a seal's digest (or a pool's head) written down earlier: check it, "
                             "then only what was recorded after it (that pool's events)")
    verify.add_argument("--read-models", action="store_true",
                        help="also rebuild the read models in memory and compare them")
    verify.add_argument("--no-progress", action="store_true")
    verify.set_defaults(run=_verify)

    history = sub.add_parser("history", help="every event of a pool, oldest first (R23)")
    add_db_option(history)
    history.add_argument("--pool", required=True)
    history.add_argument("--decision")
    history.add_argument("--format", choices=["json", "table"], default="table")
    history.set_defaults(run=_history)

    key = sub.add_parser("new-key", help="print a new key for encryption at rest "
                                         "(set it as $POOLEDBUDGET_CIPHER_KEY)")
    key.set_defaults(run=_new_key)


def _new_key(args: argparse.Namespace) -> int:
    from ..persistence import new_key

    print(new_key())
    return 0


def _verify(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from .verify import verify

    if args.expect_head is not None and args.pool is None:
        print("pooledbudget verify: --expect-head is one pool's head: give --pool too",
              file=sys.stderr)
        return 2
    if args.from_seal is not None and (args.seal is not None or args.expect_head is not None):
        print("pooledbudget verify: --from-seal starts from one digest: give no --seal or "
              "--expect-head with it", file=sys.stderr)
        return 2
    ledger = open_existing(args.db, pool=args.pool)
    try:
        total = ledger.recorder.max_notification_id() or 0
        options = {"pool": args.pool, "seal": args.seal, "expect_head": args.expect_head,
                   "from_seal": args.from_seal}
        if args.no_progress or not sys.stderr.isatty():
            result = verify(ledger, **options)
        else:
            with Progress(transient=True) as bar:
                task = bar.add_task("Verifying", total=total)
                result = verify(ledger, **options,
                                progress=lambda done: bar.update(task, completed=done))
        output = result.as_dict()
        if args.read_models and result.ok:
            from .read_models import compare_read_models

            compared, difference = compare_read_models(ledger)
            output["read_models"] = {"ok": difference is None, "rows_compared": compared}
            if difference is not None:
                output = {"ok": False, "events_checked": result.events_checked,
                          "first_bad": {**difference, "problem": "read model: "
                                        + difference["problem"]}}
    finally:
        ledger.close()
    print(json.dumps(output, indent=2, default=str))
    return 0 if output["ok"] else 1


def _history(args: argparse.Namespace) -> int:
    from .history import history

    ledger = open_existing(args.db, pool=args.pool)
    try:
        rows = list(history(ledger, args.pool, args.decision))
    finally:
        ledger.close()
    if args.format == "json":
        for row in rows:
            print(json.dumps(row, default=str))
        return 0
    _print_table(rows)
    return 0


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from ..terminal import console

    table = Table(title="History", title_justify="left")
    for column in ("recorded at", "event", "subject", "who", "reason", "facts"):
        table.add_column(column, overflow="fold")
    for row in rows:
        facts = ", ".join(f"{k}={v}" for k, v in row["facts"].items()
                          if k not in ("pool_id",) and v not in (None, "", [], {}))
        who = f"{row['actor'] or ''} ({row['role'] or '-'}, {row['partner'] or '-'})"
        table.add_row(row["recorded_at"], row["event"], f"{row['subject']} {row['id']}", who,
                      row["reason"] or "", facts)
    console(piped_width=240).print(table)
