"""The `pooledbudget` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .application.batches import GROUP_SIZE
from .audit import cli as audit_cli
from .boardpack.cli import register as register_board_pack
from .cli_options import UsageError, add_db_option, recording_time
from .cli_safety import financial_year, run_safely
from .collection import collection_paused, own_the_process
from .exports import register as register_exports
from .integration_cli import register as register_integration
from .logs import configure_logging
from .opening import open_existing, open_for_writing, read_only_note
from .rotate_key import register as register_rotate_key

if TYPE_CHECKING:
    from .application import LedgerApplication

REPORT_KINDS = ("shares", "cost-shift", "approvals", "risk-share", "outcomes", "signatories",
                "sign-offs", "balances", "possible-duplicates")
NO_YEAR = ("approvals", "signatories")  # reports over every year of the pool
YEAR_OPTIONAL = (*NO_YEAR, "possible-duplicates")  # of one year, or of every year without one


def _apply(args: argparse.Namespace) -> int:
    from .batch import apply_lines

    try:
        handle = open(args.file, "rb")  # noqa: SIM115 - bytes: each line is decoded on its own
    except OSError as error:
        print(f"pooledbudget apply: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        ledger = open_for_writing(args.db)
    except BaseException:
        handle.close()
        raise
    failed = False
    try:
        with handle:
            # The command owns its process: pausing collection per group is safe here.
            for result in apply_lines(ledger, handle, use_command_time=args.use_command_time,
                                      group_size=args.group_size,
                                      allow_future_times=args.allow_future_times,
                                      pause_collection=True):
                failed |= not result["ok"]
                print(json.dumps(result), flush=True)
        if args.projections:
            from .projections import live_store

            live_store(ledger)  # reports are current when apply returns
    finally:
        ledger.close()
    return 1 if failed else 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def _report(args: argparse.Namespace) -> int:
    # One report is the whole process: collection paused throughout (collection.py). Its
    # imports and rows are freed by reference counting or at exit; the collector's searches
    # over a start-up's objects were about a tenth of `report shares` (measured).
    with collection_paused():
        return _one_report(args)


def _one_report(args: argparse.Namespace) -> int:
    if args.kind not in YEAR_OPTIONAL and not args.year:
        raise UsageError(f"report {args.kind} needs --year", field="year")
    if args.kind == "approvals" and args.as_at:
        raise UsageError("report approvals takes --as-of DATE, not --as-at", field="as_at")
    as_at = recording_time(args.as_at) if args.as_at else None
    ledger = open_existing(args.db, pool=args.pool)
    try:
        if args.format == "json" and args.kind == "shares":
            # Plain data printed as pydantic prints the model, without building it (0041).
            from .reports import shares_data

            report = shares_data(ledger, args.pool, args.year, as_at)
        else:
            report = _build_report(ledger, args, as_at)
        note = read_only_note(ledger)
    finally:
        ledger.close()
    if note:
        print(f"pooledbudget: {note}", file=sys.stderr)
    if isinstance(report, dict):
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif args.format == "json":
        print(report.model_dump_json(indent=2))
    elif args.format == "csv":
        from .reports.render import to_csv

        sys.stdout.write(to_csv(report))
    else:  # rich, for the table only
        from .reports.render import to_table
        from .terminal import console

        console().print(to_table(report))
    return 0


def _build_report(ledger: LedgerApplication, args: argparse.Namespace,
                  as_at: datetime | None) -> Any:
    from . import reports

    if args.kind == "approvals":
        try:
            as_of = date.fromisoformat(args.as_of) if args.as_of else None
        except ValueError:
            raise UsageError(f"--as-of {args.as_of!r} is not a date YYYY-MM-DD",
                             field="as_of") from None
        return reports.approvals(ledger, args.pool, as_of)
    if args.kind == "possible-duplicates":
        if as_at is not None:
            raise UsageError("report possible-duplicates takes no --as-at", field="as_at")
        return reports.possible_duplicates(ledger, args.pool, args.year)
    if args.kind == "balances":
        from .reports.balances import month_end_balances

        if not args.month or as_at:
            raise UsageError("report balances takes --month YYYY-MM (and no --as-at)",
                             field="month")
        return month_end_balances(ledger, args.pool, args.year, args.month)
    if args.kind == "signatories":
        return reports.signatories(ledger, args.pool, as_at)
    build = {"shares": reports.shares, "cost-shift": reports.cost_shift,
             "risk-share": reports.risk_share, "outcomes": reports.outcomes,
             "sign-offs": reports.sign_offs}[args.kind]
    return build(ledger, args.pool, args.year, as_at)


def _projections(args: argparse.Namespace) -> int:
    from .projections import follow, rebuild

    ledger = open_for_writing(args.db, must_exist=True)
    try:
        if args.projections_action == "rebuild":
            return _rebuild(ledger, rebuild)
        follow(ledger, interval=args.interval, stop_when_idle=args.until_idle)
        return 0
    finally:
        ledger.close()


def _rebuild(ledger: LedgerApplication, rebuild: Any) -> int:
    from rich.progress import Progress

    total = ledger.recorder.max_notification_id() or 0
    with Progress(transient=False) as bar:
        task = bar.add_task("Rebuilding read models", total=total)
        applied = rebuild(ledger, progress=lambda done: bar.update(task, completed=done))
    print(json.dumps({"ok": True, "events_applied": applied}))
    return 0


def _demo(args: argparse.Namespace) -> int:
    """The worked scenario into a fresh SQLite file, then the reports a board reads."""
    from importlib.resources import files
    from pathlib import Path

    from . import reports
    from .batch import apply_lines
    from .boardpack import write_board_pack
    from .demo_ledger import mark_demo_ledger, replace_demo_ledger
    from .reports.render import to_table
    from .terminal import console

    path = Path(args.db_file)
    replace_demo_ledger(path)  # refuses a file that is not a demo ledger made here
    scenario = files("pooledbudget") / "scenarios" / "family_recovery_pool.jsonl"
    ledger = open_for_writing(f"sqlite:///{path}")
    try:
        mark_demo_ledger(path)
        # The scenario's years run past today: a simulation, so its future times are allowed.
        results = list(apply_lines(ledger, scenario.read_text(encoding="utf-8").splitlines(),
                                   use_command_time=True, allow_future_times=True))
        failed = [r for r in results if not r["ok"]]
        out = console()
        out.print(f"Applied the worked scenario to {path}: {len(results) - len(failed)} lines "
                      f"recorded, {len(failed)} rejected as the scenario intends:")
        for r in failed:
            out.print(f"  line {r['line']:>3} {r['command']}: {r['error']['message']}",
                      markup=False)
        pool, year = "FRP", "2026-27"
        for report in (reports.shares(ledger, pool, year), reports.cost_shift(ledger, pool, year),
                       reports.risk_share(ledger, pool, year),
                       reports.approvals(ledger, pool, date(2027, 2, 10))):
            out.print()
            out.print(to_table(report))
        pack = write_board_pack(ledger, pool, year, path.with_suffix(".html"))
    finally:
        ledger.close()
    out.print(f"\nQuery it further: pooledbudget report shares --pool {pool} --year {year} "
                  f"--db sqlite:///{path} [--as-at 2026-10-01T12:00:00] [--format csv]")
    out.print(f"Board pack (open in a browser; prints to A4): {pack}")
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
    add_db_option(apply)
    apply.add_argument("--use-command-time", action="store_true",
                       help="record each line at its `at` time (migrations, scenarios)")
    apply.add_argument("--allow-future-times", action="store_true",
                       help="with --use-command-time, accept `at` times more than 5 minutes "
                            "after the clock (simulations; otherwise they fail time_in_future)")
    apply.add_argument("--no-projections", dest="projections", action="store_false",
                       help="leave the read models for a separate `projections run` process")
    apply.add_argument("--group-size", type=_positive, default=GROUP_SIZE,
                       help="lines decided together and saved in one transaction (default "
                            f"{GROUP_SIZE}; 1 saves every line on its own)")
    apply.set_defaults(run=_apply)

    report = sub.add_parser("report", help="print a report (rules R19-R22)")
    report.add_argument("kind", choices=REPORT_KINDS)
    report.add_argument("--pool", required=True)
    report.add_argument("--year", type=financial_year,
                        help="financial year, e.g. 2026-27 (all but approvals and signatories; "
                             "possible-duplicates without it covers every year)")
    report.add_argument("--as-at", help="as the ledger stood at this recording time (ISO-8601)")
    report.add_argument("--as-of", help="approvals: the date days waiting are counted to")
    report.add_argument("--month", help="balances: the calendar month (UTC), e.g. 2026-07")
    report.add_argument("--format", choices=["json", "table", "csv"], default="json")
    add_db_option(report)
    report.set_defaults(run=_report)

    projections = sub.add_parser("projections", help="rebuild or follow the read models")
    projections_sub = projections.add_subparsers(dest="projections_action", required=True)
    rebuild = projections_sub.add_parser("rebuild", help="drop and rebuild every read model")
    add_db_option(rebuild)
    run = projections_sub.add_parser("run", help="follow the event log, applying new events")
    add_db_option(run)
    run.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    run.add_argument("--until-idle", action="store_true",
                     help="stop once every recorded event is applied")
    for p in (rebuild, run):
        p.set_defaults(run=_projections)

    demo = sub.add_parser("demo", help="run the worked scenario into a fresh SQLite file")
    demo.add_argument("--db-file", default="pooledbudget-demo.db")
    demo.set_defaults(run=_demo)
    register_board_pack(sub)
    register_exports(sub)
    audit_cli.register(sub)
    register_rotate_key(sub)
    register_integration(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log)
    own_the_process()  # a command is its process's only user: bulk steps may pause collection
    return run_safely(args.run, args)  # exit 2 with one clear line on any failure


if __name__ == "__main__":
    sys.exit(main())
