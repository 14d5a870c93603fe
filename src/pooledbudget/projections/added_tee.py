"""A checkpoint's added rows kept as the batch writes them, instead of read back (decision 0040).

Reading a checkpoint's added rows back from the tables the batch has just written cost most of
a checkpoint (on PostgreSQL, 0.56 s of its 0.71 s at 100,000 events: turning rows into Python
values). Every added row goes through `bulk.insert_rows`, and the one later change to one, a
spend's reversal, through `SpendWriter.flush`: both hand the rows to the tee on the batch's
connection too, which keeps each pool's rows since its last checkpoint and spells them as
`checkpoints._rows` spells what the database gives back, to the same bytes.

The tee serves a checkpoint only from rows it has seen written:
- It holds the rows written since it began watching (the position the first batch of the
  projection started from, `begin`) in batches that committed (`committed`). A batch that rolls
  back is forgotten when the next begins; a batch starting elsewhere than the last one ended
  (another process moved on) makes it forget everything and watch anew from there.
- Rows of a checkpoint's interval from before it watched are read back (`checkpoints._added`),
  and so is every row of a pool whose values it cannot spell as the database returns them.
- A write to an added table on the batch's connection that did not come through it (a writer
  that bypasses `insert_rows`) leaves it blind: this projection reads every checkpoint back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Integer, String, Table, event

from .tables import (
    contribution_events,
    decision_order,
    forecast_movements,
    outcome_payments,
    sign_offs,
    spend_allocations,
    spend_reversals,
    spends,
)

TEED = "pooledbudget_added_tee"
"""`conn.info` key of the tee taking copies of a batch's added rows (beside `bulk.DIVERTED`)."""
ENABLED = True  # False: every checkpoint reads its added rows back (the reference, for A/B runs)
LIMIT = 200_000
"""Rows held at most after a batch: beyond it the pools holding most are forgotten (their next
checkpoints read back what came before), so many pools far from a checkpoint cost bounded
memory (about 200 bytes a row)."""

BY_SEQUENCE = [contribution_events, forecast_movements, sign_offs, decision_order,
               spend_reversals, spends]
WITH_SPEND = [spend_allocations, outcome_payments]
_TABLES = {t.name: t for t in [*BY_SEQUENCE, *WITH_SPEND]}
_SEQUENCE = {t.name: [c.name for c in t.columns].index("sequence") for t in BY_SEQUENCE}
_INVOICE = {t.name: [c.name for c in t.columns].index("invoice_ref") for t in WITH_SPEND}
_SPEND_INVOICE = [c.name for c in spends.columns].index("invoice_ref")
_SPEND_REVERSED = [c.name for c in spends.columns].index("reversed")
_WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")

Row = Sequence[Any]
Added = dict[str, list[list[Any]]]


class UnspellableError(Exception):
    """A value the tee cannot spell as the database would give it back."""


class AddedTee:
    """One projection's tee: each pool's added rows since its last checkpoint."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, list[Row]]] = {}  # pool -> table -> rows as written
        self._marks: dict[tuple[str, str], int] = {}  # rows each list held when the batch began
        self._reversed: dict[str, dict[str, Any]] = {}  # pool -> invoice -> reason (committed)
        self._reversing: list[tuple[str, str, Any]] = []  # the batch's reversals
        # pools checkpointed in the batch: the last position, how many rows of each table came
        # before it, and what it was given
        self._done: dict[str, tuple[int, dict[str, int], tuple[int, Added] | None]] = {}
        self._from: dict[str, int] = {}  # pools watched from later than `_watching`
        self._watching: int | None = None  # every added row after it has come through here
        self._committed_to: int | None = None
        self._blind = False
        self._feeding = False
        self._conn: Connection | None = None  # the batch's, while it lasts
        self._info: dict[Any, Any] | None = None
        # per table and the types of a row's values, how to spell it; how to spell times, dates
        self._spellers: dict[str, dict[tuple[type, ...], Callable[[Row], list[Any]]]] = {}
        self._sqlite: bool | None = None
        self._spellings = (_times(False), _dates())

    # -- the batch --------------------------------------------------------------------------

    def begin(self, conn: Connection, start: int | None) -> None:
        """A batch of the projection begins on `conn` after position `start` (None: unknown)."""
        self._detach()
        self._forget_uncommitted()
        if (not ENABLED or self._blind or start is None
                or conn.dialect.driver not in ("psycopg", "pysqlite")):
            self._reset(None)
            return
        if start != self._committed_to or self._watching is None:
            self._reset(start)  # another process moved on, or the first batch: watch anew
        if self._sqlite != (conn.dialect.name == "sqlite"):
            self._sqlite = conn.dialect.name == "sqlite"
            self._spellers = {}
            self._spellings = (_times(self._sqlite), _dates())
        self._conn, self._info = conn, conn.info
        conn.info[TEED] = self
        event.listen(conn, "before_cursor_execute", self._seen)

    def committed(self, end: int) -> None:
        """The batch begun last committed, up to position `end`."""
        self._detach()
        for pool, invoice, reason in self._reversing:
            self._reversed.setdefault(pool, {})[invoice] = reason
        self._reversing = []
        for pool, (_, cut, _) in self._done.items():
            self._prune(pool, cut)
        self._done = {}
        self._marks = {}
        self._committed_to = end
        held = {pool: sum(map(len, tables.values())) for pool, tables in self._rows.items()}
        total = sum(held.values())
        for pool in sorted(held, key=held.__getitem__, reverse=True):
            if total <= LIMIT:
                break
            total -= held[pool]
            self._forget_pool(pool, end)

    # -- what the writers hand over ---------------------------------------------------------

    def add(self, table: Table, rows: Sequence[Row]) -> None:
        """`rows` of `table` were written in this batch (only added tables' are kept)."""
        name = table.name
        if name not in _TABLES or self._watching is None:
            return
        for pool, run in groupby(rows, itemgetter(0)):  # a batch's rows come pool by pool
            kept = self._rows.setdefault(pool, {}).setdefault(name, [])
            self._marks.setdefault((pool, name), len(kept))
            kept.extend(run)

    def reverse(self, reversals: Sequence[dict[str, Any]]) -> None:
        """Spends written earlier were marked reversed (`k_pool`, `k_invoice`, `reason`)."""
        self._reversing.extend((r["k_pool"], r["k_invoice"], r["reason"]) for r in reversals)

    def feeding(self) -> _Feeding:
        """Around a write whose rows the tee is given: not a write that bypasses it."""
        return _Feeding(self)

    # -- what a checkpoint asks -------------------------------------------------------------

    def rows(self, pool: str, previous: int, position: int) -> tuple[int, Added] | None:
        """The pool's added rows after `max(previous, watched from)` up to `position`, spelled
        and sorted as `checkpoints._rows` gives them, with that start; None if it has none
        to give (the caller reads every row back)."""
        if self._watching is None or self._blind:
            return None
        done = self._done.get(pool)
        if done is not None and done[0] == position:  # asked again: spelled whole after all
            given = done[2]
            return None if given is None else (given[0], {n: list(r) for n, r in given[1].items()})
        tables = self._rows.get(pool, {})
        given = self._given(pool, tables, {} if done is None else done[1],
                            max(previous, self._from.get(pool, self._watching)), position)
        # This batch's rows up to the checkpoint are needed no more (a rollback forgets them
        # anyway); earlier batches' stay until this one commits. Later checkpoints of the
        # batch read from the cut; its end drops what comes before (`committed`).
        cut = {}
        for name, kept in tables.items():
            mark = self._marks.get((pool, name))
            if mark is not None:
                del kept[mark:]
            cut[name] = len(kept)
        self._done[pool] = (position, cut, given)
        return None if given is None else (given[0], {n: list(r) for n, r in given[1].items()})

    def _given(self, pool: str, tables: dict[str, list[Row]], cut: dict[str, int], since: int,
               position: int) -> tuple[int, Added] | None:
        if since >= position:
            return None
        reversed_ = {**self._reversed.get(pool, {}),
                     **{i: r for p, i, r in self._reversing if p == pool}}
        added: Added = {}
        try:
            for name, at in _SEQUENCE.items():
                added[name] = self._spelled(name, [
                    row for row in tables.get(name, [])[cut.get(name, 0):]
                    if since < row[at] <= position])
            invoices = {row[_SPEND_INVOICE] for row in added[spends.name]}
            for name, at in _INVOICE.items():
                added[name] = self._spelled(name, [
                    row for row in tables.get(name, [])[cut.get(name, 0):]
                    if row[at] in invoices])
        except UnspellableError:
            return None
        for row in added[spends.name]:
            if row[_SPEND_INVOICE] in reversed_:
                row[_SPEND_REVERSED:_SPEND_REVERSED + 2] = [True, reversed_[row[_SPEND_INVOICE]]]
        for name, rows in added.items():
            rows.sort(key=_primary_key(_TABLES[name]))
        return since, added

    # -- inside -----------------------------------------------------------------------------

    def _spelled(self, name: str, rows: list[Row]) -> list[list[Any]]:
        out = []
        spellers = self._spellers.setdefault(name, {})
        for row in rows:
            kinds = tuple(map(type, row))
            spell = spellers.get(kinds)
            if spell is None:
                spell = spellers[kinds] = _speller(_TABLES[name], kinds, *self._spellings)
            out.append(spell(row))
        return out

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        """A statement on the batch's connection: one writing an added table that the tee is
        not given the rows of leaves it blind."""
        if self._feeding or self._blind or not statement[:6].upper().startswith(_WRITES):
            return
        if any(name in statement for name in _TABLES):
            self._blind = True
            self._watching = None

    def _forget_uncommitted(self) -> None:
        for (pool, name), length in self._marks.items():
            del self._rows[pool][name][length:]
        self._marks = {}
        self._reversing = []
        self._done = {}

    def _reset(self, start: int | None) -> None:
        self._rows = {}
        self._reversed = {}
        self._from = {}
        self._watching = start
        self._committed_to = start

    def _prune(self, pool: str, cut: dict[str, int]) -> None:
        """Drops the pool's rows written up to its last checkpoint (those before `cut`), and
        those of spends the tee does not hold (an earlier checkpoint's, or read back)."""
        tables = self._rows.get(pool)
        if tables is None:
            return
        for name, length in cut.items():
            del tables[name][:length]
        invoices = {row[_SPEND_INVOICE] for row in tables.get(spends.name, ())}
        for name, at in _INVOICE.items():
            if name in tables:
                tables[name] = [row for row in tables[name] if row[at] in invoices]
        if pool in self._reversed:
            self._reversed[pool] = {i: r for i, r in self._reversed[pool].items()
                                    if i in invoices}

    def _forget_pool(self, pool: str, end: int) -> None:
        self._rows.pop(pool, None)
        self._reversed.pop(pool, None)
        self._from[pool] = end

    def _detach(self) -> None:
        if self._info is not None and self._info.get(TEED) is self:
            del self._info[TEED]
        self._conn = self._info = None


class _Feeding:
    def __init__(self, tee: AddedTee) -> None:
        self._tee = tee

    def __enter__(self) -> None:
        self._tee._feeding = True

    def __exit__(self, *exc: object) -> None:
        self._tee._feeding = False


def added_tee(conn: Connection) -> AddedTee | None:
    """The tee watching this connection's batch, or None."""
    tee = conn.info.get(TEED)  # the DBAPI connection's: kept only while the batch's lasts
    return tee if isinstance(tee, AddedTee) and tee._conn is conn else None


def merged(teed: Added, earlier: Added) -> Added:
    """The rows the tee gave and those read back from before it watched, in key order."""
    for name, rows in earlier.items():
        if rows:
            rows.extend(teed[name])
            rows.sort(key=_primary_key(_TABLES[name]))
            teed[name] = rows
    return teed


def _primary_key(table: Table) -> Callable[[Sequence[Any]], Any]:
    return itemgetter(*[i for i, c in enumerate(table.columns) if c.primary_key])


def _speller(table: Table, kinds: tuple[type, ...], times: Callable[[datetime], str],
             dates: Callable[[date], str]) -> Callable[[Row], list[Any]]:
    """A row's spelling as `checkpoints._spelled` gives the row the database returns, for rows
    whose values are of `kinds`; raises `UnspellableError` for a value the tee cannot vouch
    for (the checkpoint is then read back)."""
    changes: list[tuple[int, Callable[[Any], Any]]] = []
    for i, (column, kind) in enumerate(zip(table.columns, kinds, strict=True)):
        if kind is type(None) and column.nullable:
            continue
        sql = column.type
        if isinstance(sql, DateTime) and kind is datetime:
            changes.append((i, times))
        elif isinstance(sql, Date) and kind is date:
            changes.append((i, dates))
        elif isinstance(sql, Boolean) and kind is int:
            changes.append((i, _boolean))
        elif not ((isinstance(sql, Boolean) and kind is bool)
                  or (isinstance(sql, Integer) and kind is int)
                  or (isinstance(sql, String) and kind is str)):
            raise UnspellableError(f"{table.name}.{column.name}: {kind.__name__}")

    def spell(row: Row) -> list[Any]:
        values = list(row)
        for i, change in changes:
            values[i] = change(values[i])
        return values
    return spell


def _times(sqlite: bool) -> Callable[[datetime], str]:
    """Times as `checkpoints._plain` spells what the database gives back: SQLite keeps a time's
    wall clock and drops its zone (read back as UTC); PostgreSQL keeps the instant, and would
    read a time without a zone in the session's. A spend and its movement share their event's
    time, so a time in UTC is spelled once (the others are rare, and spelled each time)."""
    in_utc = _remembered(_isoformat)

    def spell(value: datetime) -> str:
        zone = value.tzinfo
        if zone is UTC:
            return in_utc(value)
        if sqlite:
            return value.replace(tzinfo=UTC).isoformat()
        if zone is None:
            raise UnspellableError("a time without a zone")
        return value.astimezone(UTC).isoformat()
    return spell


def _dates() -> Callable[[date], str]:
    return _remembered(_isoformat)


def _isoformat(value: date) -> str:
    return value.isoformat()  # a datetime's own, where one is given


def _remembered(spell_one: Callable[[Any], str]) -> Callable[[Any], str]:
    """`spell_one`, remembering the latest 4,096 spellings: a week's dates and times repeat."""
    spelled: dict[Any, str] = {}

    def spell(value: Any) -> str:
        text = spelled.get(value)
        if text is None:
            if len(spelled) >= 4096:
                spelled.clear()
            text = spelled[value] = spell_one(value)
        return text
    return spell


def _boolean(value: Any) -> bool:
    if value not in (0, 1):
        raise UnspellableError(f"{value!r} as a boolean")
    return bool(value)
