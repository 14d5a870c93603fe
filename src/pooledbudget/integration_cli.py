"""Command-line faces of the integration API: `changes`, `show`, and `export journals`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .cli_safety import add_force, checked_output
from .opening import open_existing


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of {least} or more")
    return value


def register(subparsers: Any) -> None:
    changes = subparsers.add_parser(
        "changes", help="the change feed: every stored event after a position, as JSON Lines")
    changes.add_argument("--after", type=lambda t: _whole(t, 0), default=0,
                         help="the last position already handled (default 0: from the start)")
    changes.add_argument("--limit", type=lambda t: _whole(t, 1), default=None,
                         help="at most this many events")
    changes.add_argument("--pool", help="only this pool's events")
    changes.add_argument("--db", default=None)
    changes.set_defaults(run=_changes)

    show = subparsers.add_parser("show", help="look up a pool, its decisions, or one decision")
    things = show.add_subparsers(dest="show_what", required=True)
    pool = things.add_parser("pool", help="partners, host, risk share, years, register")
    listed = things.add_parser("decisions", help="the pool's decisions, by year and status")
    listed.add_argument("--year", help="financial year, e.g. 2026-27")
    listed.add_argument("--status", choices=["proposed", "approved", "declined"])
    decision = things.add_parser(
        "decision", help="one decision: terms, elements, approvals, variations, spend, history")
    decision.add_argument("--decision", required=True, help="the decision id")
    for parser in (pool, listed, decision):
        parser.add_argument("--pool", required=True)
        parser.add_argument("--db", default=None)
        parser.set_defaults(run=_show)


def register_journals(kinds: Any) -> None:
    """`export journals`, beside the other exports."""
    journals = kinds.add_parser(
        "journals", help="each partner's balanced journal lines for what was recorded in a month")
    journals.add_argument("--month", required=True, help="calendar month (UTC), e.g. 2026-07")
    journals.add_argument("--mapping", help="TOML or JSON file of accounts and cost centres")
    journals.add_argument("--pool", required=True)
    journals.add_argument("--db", default=None)
    journals.add_argument("-o", "--output", help="file to write (default: standard output)")
    add_force(journals)
    journals.set_defaults(run=_journals)


def _journals(args: argparse.Namespace) -> int:
    from .journal_mapping import JournalMapping
    from .journals import journals_csv

    mapping = JournalMapping.load(args.mapping) if args.mapping else None
    output = (checked_output(args.output, db_url=args.db, force=args.force)
              if args.output else None)
    ledger = open_existing(args.db, pool=args.pool)
    try:
        text = journals_csv(ledger, args.pool, args.month, mapping)
    finally:
        ledger.close()
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _changes(args: argparse.Namespace) -> int:
    ledger = open_existing(args.db, pool=args.pool)
    try:
        for change in ledger.changes(after=args.after, limit=args.limit, pool=args.pool):
            sys.stdout.write(json.dumps(change.as_dict()) + "\n")
    finally:
        ledger.close()
    return 0


def _show(args: argparse.Namespace) -> int:
    from . import queries

    ledger = open_existing(args.db, pool=args.pool)
    try:
        if args.show_what == "pool":
            text = queries.show_pool(ledger, args.pool).model_dump_json(indent=2)
        elif args.show_what == "decision":
            text = queries.show_decision(ledger, args.pool, args.decision).model_dump_json(
                indent=2)
        else:
            found = queries.list_decisions(ledger, args.pool, args.year, args.status)
            text = json.dumps([d.model_dump() for d in found], indent=2)
    finally:
        ledger.close()
    print(text)
    return 0
