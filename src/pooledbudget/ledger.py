"""`Ledger`: the ledger's public Python API, small and documented.

It holds the service (`LedgerApplication`, an eventsourcing application) inside and offers what a
program built on the ledger calls: commands in (one, many, or JSON Lines), reports and queries
out, the change feed, an event history, verification. eventsourcing's own surface (repository,
recorder, notification log, snapshots) stays inside; `application` reaches the service for the
functions that take one (the board pack, the exports).

    with Ledger.open("sqlite:///pool.db") as ledger:
        ledger.execute({"command": "EstablishPool", ...})
        print(ledger.shares("FRP", "2026-27"))

Reports, queries and audit functions are imported when first called, so `import pooledbudget`
stays as quick as the command line needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .application import GROUP_SIZE, Clock, CommandResult, LedgerApplication, open_ledger, utc_now
from .batch import apply_lines
from .commands import Command, parse_command
from .errors import LedgerError
from .feed import Change

if TYPE_CHECKING:
    from .audit.verify import Verification
    from .journal_mapping import JournalMapping
    from .journals import JournalLine
    from .queries import DecisionSummary, DecisionView, PoolView
    from .reports import (
        ApprovalsReport,
        CostShiftReport,
        OutcomesReport,
        PossibleDuplicatesReport,
        RiskShareReport,
        SharesReport,
        SignatoriesReport,
        SignOffsReport,
    )
    from .reports.balances import MonthEndBalances

CommandLike = Command | Mapping[str, Any]


class Ledger:
    """A ledger on one database. Open one with `Ledger.open(url)`; close it when done (or use
    it as a context manager). One ledger may be shared by the threads of a process."""

    __slots__ = ("_app",)

    def __init__(self, application: LedgerApplication) -> None:
        self._app = application

    @classmethod
    def open(cls, url: str | None = None, *, clock: Clock = utc_now,
             lock_timeout: float | None = None, cache_size: int = 1000) -> Ledger:
        """The ledger at `url`: `sqlite:///path` (created if missing), `memory://`, or a
        `postgresql://` URL; without one, `$POOLEDBUDGET_DB`, else a SQLite file. Stored events
        are encrypted with the key in `$POOLEDBUDGET_CIPHER_KEY`, if set (a wrong or missing key
        for an encrypted ledger is refused). `lock_timeout`: seconds a command waits for its
        turn to write (default `$POOLEDBUDGET_LOCK_TIMEOUT`, else 30)."""
        return cls(open_ledger(url, clock=clock, cache_size=cache_size,
                               lock_timeout=lock_timeout))

    @property
    def application(self) -> LedgerApplication:
        """The service beneath, for the functions that take one (the board pack, the
        exports)."""
        return self._app

    def close(self) -> None:
        self._app.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # -- commands in ----------------------------------------------------------------------------

    def execute(self, command: CommandLike, *, use_command_time: bool = False,
                allow_future_times: bool = False) -> CommandResult:
        """Runs one command (a model, or its JSON object as a dict) atomically; raises
        `LedgerError` if it is rejected, and then nothing is written."""
        return self._app.execute(_command(command), use_command_time=use_command_time,
                                 allow_future_times=allow_future_times)

    def execute_many(self, commands: Iterable[CommandLike], *, use_command_time: bool = False,
                     allow_future_times: bool = False,
                     group_size: int = GROUP_SIZE) -> list[CommandResult | LedgerError]:
        """Runs commands in order, with the outcome each would have one at a time (a result,
        or the error that rejected it), saving the accepted ones in groups."""
        return self._app.execute_many([_command(c) for c in commands],
                                      use_command_time=use_command_time,
                                      allow_future_times=allow_future_times,
                                      group_size=group_size)

    def apply(self, lines: str | Iterable[str | bytes], *, use_command_time: bool = False,
              allow_future_times: bool = False,
              group_size: int = GROUP_SIZE) -> list[dict[str, Any]]:
        """Applies JSON-Lines commands (text, or its lines): the wire-format result of every
        non-blank line, as `pooledbudget apply` prints them. A bad line fails alone."""
        if isinstance(lines, str):
            lines = lines.splitlines()
        return list(apply_lines(self._app, lines, use_command_time=use_command_time,
                                group_size=group_size, allow_future_times=allow_future_times))

    def apply_file(self, path: str | Path, *, use_command_time: bool = False,
                   allow_future_times: bool = False,
                   group_size: int = GROUP_SIZE) -> list[dict[str, Any]]:
        """`apply`, of a JSON-Lines file."""
        with open(path, "rb") as handle:  # bytes: each line is decoded on its own
            return self.apply(handle, use_command_time=use_command_time,
                              allow_future_times=allow_future_times, group_size=group_size)

    # -- reports (from the read models; `as_at`: as the ledger stood then, R22) -----------------

    def shares(self, pool: str, year: str, as_at: datetime | None = None) -> SharesReport:
        from . import reports
        return reports.shares(self._app, pool, year, as_at)

    def cost_shift(self, pool: str, year: str,
                   as_at: datetime | None = None) -> CostShiftReport:
        from . import reports
        return reports.cost_shift(self._app, pool, year, as_at)

    def risk_share(self, pool: str, year: str,
                   as_at: datetime | None = None) -> RiskShareReport:
        from . import reports
        return reports.risk_share(self._app, pool, year, as_at)

    def outcomes(self, pool: str, year: str, as_at: datetime | None = None) -> OutcomesReport:
        from . import reports
        return reports.outcomes(self._app, pool, year, as_at)

    def approvals(self, pool: str, as_of: date | None = None) -> ApprovalsReport:
        from . import reports
        return reports.approvals(self._app, pool, as_of)

    def possible_duplicates(self, pool: str,
                            year: str | None = None) -> PossibleDuplicatesReport:
        from . import reports
        return reports.possible_duplicates(self._app, pool, year)

    def signatories(self, pool: str, as_at: datetime | None = None) -> SignatoriesReport:
        from . import reports
        return reports.signatories(self._app, pool, as_at)

    def sign_offs(self, pool: str, year: str, as_at: datetime | None = None) -> SignOffsReport:
        from . import reports
        return reports.sign_offs(self._app, pool, year, as_at)

    def balances(self, pool: str, year: str, month: str) -> MonthEndBalances:
        """Each partner's balance with the host at the end of `month` (`YYYY-MM`)."""
        from .reports.balances import month_end_balances
        return month_end_balances(self._app, pool, year, month)

    def journals(self, pool: str, month: str,
                 mapping: JournalMapping | None = None) -> list[JournalLine]:
        """Every partner's journal lines for what was recorded in `month` (`YYYY-MM`, UTC)."""
        from .journals import journals
        return journals(self._app, pool, month, mapping)

    def journals_csv(self, pool: str, month: str, mapping: JournalMapping | None = None) -> str:
        """`journals` as CSV, as `pooledbudget export journals` writes it."""
        from .journals import journals_csv
        return journals_csv(self._app, pool, month, mapping)

    # -- queries --------------------------------------------------------------------------------

    def decisions(self, pool: str, year: str | None = None,
                  status: str | None = None) -> list[DecisionSummary]:
        """The pool's decisions (of one year, with one status, if given), by year then id."""
        from .queries import list_decisions
        return list_decisions(self._app, pool, year, status)

    def decision(self, pool: str, decision_id: str) -> DecisionView:
        """One decision: terms, elements, approvals, variations, spend, commitment, history;
        `decision_not_found` (R9) if there is none."""
        from .queries import show_decision
        return show_decision(self._app, pool, decision_id)

    def pool(self, pool: str) -> PoolView:
        """The pool: partners, risk share, each year's figures, its signatory register."""
        from .queries import show_pool
        return show_pool(self._app, pool)

    # -- the log ----------------------------------------------------------------------------------

    def changes(self, after: int = 0, limit: int | None = None,
                pool: str | None = None) -> Iterator[Change]:
        """Every stored event after position `after` (of one pool, if given), oldest first, at
        most `limit`: the change feed (docs/developers/integration.md)."""
        return self._app.changes(after=after, limit=limit, pool=pool)

    def history(self, pool: str, decision: str | None = None) -> list[dict[str, Any]]:
        """One row per event of the pool (of one decision, if given), in recording order."""
        from .audit.history import history
        return list(history(self._app, pool, decision))

    def verify(self, pool: str | None = None, *, seal: str | None = None,
               expect_head: str | None = None, from_seal: str | None = None) -> Verification:
        """Checks every hash chain (of one pool, if given), every seal and the pools' links;
        `seal` must be among the seals, `expect_head` among the pool's links; `from_seal` (a seal's
        digest or a pool's head): that anchor checked, then only its pool's events after it."""
        from .audit.verify import verify
        return verify(self._app, pool=pool, seal=seal, expect_head=expect_head,
                      from_seal=from_seal)


def _command(command: CommandLike) -> Command:
    return command if isinstance(command, Command) else parse_command(dict(command))


__all__ = ["CommandLike", "Ledger"]
