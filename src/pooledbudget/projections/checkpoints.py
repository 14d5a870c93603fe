"""A pool's read-model rows as they stood at every N-th of its events, so that an as-at replays
at most N of the pool's events instead of its whole history (decision 0030).

A checkpoint is written by the projection itself, in the batch's transaction, right after the
pool's N-th (2N-th, ...) event is applied and the batch's rows up to it are written: it commits
or rolls back with the tracking position, so catch-up and rebuilds keep their exactly-once rule,
and a rebuild writes the same checkpoints at the same positions (verify compares them).

Rows that change after they are written (a pool, its contributions, decisions, commitments,
approvals pending, contingent exposure, outcome elements) are copied whole into each
checkpoint. Rows that are only ever added, each by one event (spends and their allocations,
movements, contribution events, sign-offs, reversals, decision order, outcome payments), are
copied into the first checkpoint after their event only: restoring one checkpoint reads the
added rows of it and of every earlier one of the pool. The one later change to an added row,
a spend's reversal, is restored from the reversal's own row.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert, select, update

from .added_tee import added_tee, merged
from .checkpoint_state import OutOfOrderError, Part, write_state
from .figures_part import figures_digest, figures_now, figures_text, interval_lines
from .state_text import decode_for
from .tables import (
    approvals_pending,
    checkpoint_counts,
    checkpoints,
    closed_years,
    commitments,
    contingent,
    contribution_events,
    contributions,
    decision_order,
    decisions,
    forecast_movements,
    outcome_elements,
    outcome_payments,
    partner_totals,
    pools,
    sign_offs,
    spend_allocations,
    spend_reversals,
    spends,
)

DEFAULT_EVERY = 2000  # pool events; chosen by measurement (decision 0030)
STATE_TABLES = [pools, contributions, closed_years, decisions, commitments, approvals_pending,
                contingent, outcome_elements, partner_totals]
ADDED_BY_SEQUENCE = [contribution_events, forecast_movements, sign_offs, decision_order,
                     spend_reversals, spends]
ADDED_WITH_SPEND = [spend_allocations, outcome_payments]
POOL_FED = {pools.name, contributions.name, closed_years.name, contribution_events.name}
"""Tables fed by the pool's own events: an as-at of one year keeps every year's rows of these,
as the year's replay does (it replays the pool's events and that year's decisions)."""
CHECKPOINTED = {t.name: t for t in [*STATE_TABLES, *ADDED_BY_SEQUENCE, *ADDED_WITH_SPEND]}
"""Every table a checkpoint holds rows of, by name."""


def checkpoint_every() -> int:
    """How many of a pool's events lie between two of its checkpoints
    (`$POOLEDBUDGET_CHECKPOINT_EVERY`, default 2,000; 0 writes none). A rebuild and
    `verify --read-models` must run with the value the read models were built with."""
    raw = os.environ.get("POOLEDBUDGET_CHECKPOINT_EVERY", str(DEFAULT_EVERY))
    try:
        every = int(raw)
    except ValueError:
        every = -1
    if every < 0:
        raise ValueError(f"POOLEDBUDGET_CHECKPOINT_EVERY={raw!r}: give a whole number of "
                         "events, 0 (no checkpoints) or more")
    return every


class PoolCounts:
    """Each pool's events applied so far, kept in `pb_checkpoint_counts` with the batch."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._stored: set[str] = set()
        self._changed: set[str] = set()

    def discard(self) -> None:
        """Forgets everything (a batch that may roll back begins): counts are read again."""
        self._counts.clear()
        self._stored.clear()
        self._changed.clear()

    def add(self, conn: Connection, pool_id: str) -> int:
        if pool_id not in self._counts:
            found = conn.execute(select(checkpoint_counts.c.events)
                                 .where(checkpoint_counts.c.pool_id == pool_id)).scalar()
            self._counts[pool_id] = 0 if found is None else int(found)
            if found is not None:
                self._stored.add(pool_id)
        self._counts[pool_id] += 1
        self._changed.add(pool_id)
        return self._counts[pool_id]

    def flush(self, conn: Connection) -> None:
        new = [{"pool_id": p, "events": self._counts[p]} for p in self._changed
               if p not in self._stored]
        if new:
            conn.execute(insert(checkpoint_counts), new)
        for pool_id in self._changed - {row["pool_id"] for row in new}:
            conn.execute(update(checkpoint_counts).where(checkpoint_counts.c.pool_id == pool_id)
                         .values(events=self._counts[pool_id]))
        self._stored |= self._changed
        self._changed.clear()


def write_checkpoint(conn: Connection, pool_id: str, position: int, recorded_at: datetime,
                     events: int) -> None:
    """The pool's rows as they stand in the read models (every row of its events up to
    `position` written): the state rows whole, the added rows since its last checkpoint, and
    the tallies of every added row up to it (the last checkpoint's plus these). The state rows
    are written table by table (`checkpoint_state`, decision 0039), unless the database does
    not order them as Python does: then spelled whole, to the same bytes. The figures part
    (`figures_part`, decision 0048) follows from the last checkpoint's."""
    found = conn.execute(select(checkpoints.c.position, checkpoints.c.tallies,
                                checkpoints.c.recorded_at, checkpoints.c.figures).where(
        checkpoints.c.pool_id == pool_id, checkpoints.c.position < position)
        .order_by(checkpoints.c.position.desc()).limit(1)).first()
    previous = 0 if found is None else int(found[0])
    tallies_before = None if found is None else str(found[1])
    added = _added(conn, pool_id, position, previous)
    lines = interval_lines(added)
    try:
        parts = streamed_parts(conn, pool_id, position, previous, tallies_before, added)
    except OutOfOrderError:
        parts = whole_parts(conn, pool_id, position, previous, tallies_before, added)
    del added
    before = None if found is None else (previous, str(_plain(found[2])), str(found[3]))
    text = figures_text(figures_now(conn, pool_id), before, lines)
    conn.execute(insert(checkpoints).values(
        pool_id=pool_id, position=position, recorded_at=recorded_at, events=events, **parts,
        figures_digest=figures_digest(pool_id, position, text), figures=text.decode()))


def streamed_parts(conn: Connection, pool_id: str, position: int, previous: int,
                   tallies_before: str | None,
                   added: dict[str, list[list[Any]]] | None = None) -> dict[str, str | bytes]:
    """A checkpoint's columns, its state part written table by table (`write_state`).
    `added`: the added rows (`_added`), if the caller has them."""
    if added is None:
        added = _added(conn, pool_id, position, previous)
    tallies_text = _json(add_tallies({} if tallies_before is None else json.loads(tallies_before),
                                     added))
    added_text = _json(added)
    del added
    state = Part(_where(pool_id, position))
    write_state(conn, state, STATE_TABLES, pool_id, _spelled)
    state_digest, state_blob = state.finish(b"\n" + tallies_text)
    return {"state_digest": state_digest, "state": state_blob,
            "added_digest": _digest(pool_id, position, added_text, previous),
            "added": zlib.compress(added_text, 6), "tallies": tallies_text.decode()}


def whole_parts(conn: Connection, pool_id: str, position: int, previous: int,
                tallies_before: str | None,
                added: dict[str, list[list[Any]]] | None = None) -> dict[str, str | bytes]:
    """A checkpoint's columns, every part built whole in memory (0030's spelling, which
    `streamed_parts` gives byte for byte with less memory)."""
    state = {t.name: _rows(conn, select(t).where(t.c.pool_id == pool_id), t)
             for t in STATE_TABLES}
    if added is None:
        added = _added(conn, pool_id, position, previous)
    tallies = add_tallies({} if tallies_before is None else json.loads(tallies_before), added)
    state_text, added_text, tallies_text = _json(state), _json(added), _json(tallies)
    return {"state_digest": _digest(pool_id, position, state_text + b"\n" + tallies_text),
            "state": zlib.compress(state_text, 6),
            "added_digest": _digest(pool_id, position, added_text, previous),
            "added": zlib.compress(added_text, 6), "tallies": tallies_text.decode()}


def _added(conn: Connection, pool_id: str, position: int,
           previous: int) -> dict[str, list[list[Any]]]:
    """The pool's added rows after the checkpoint at `previous` up to `position`: as the batch
    wrote them (`added_tee`), and read back for what the tee did not see written."""
    tee = added_tee(conn)
    teed = None if tee is None else tee.rows(pool_id, previous, position)
    if teed is None:
        return read_back(conn, pool_id, position, previous)
    since, added = teed  # rows up to `since` were written before the tee watched
    return added if since == previous else merged(added, read_back(conn, pool_id, since, previous))


def read_back(conn: Connection, pool_id: str, position: int,
              previous: int) -> dict[str, list[list[Any]]]:
    """The pool's added rows after `previous` up to `position`, read from the tables."""
    added = {t.name: _rows(conn, select(t).where(
        t.c.pool_id == pool_id, t.c.sequence > previous, t.c.sequence <= position), t)
        for t in ADDED_BY_SEQUENCE}
    new_spends = select(spends.c.invoice_ref).where(
        spends.c.pool_id == pool_id, spends.c.sequence > previous, spends.c.sequence <= position)
    for t in ADDED_WITH_SPEND:
        added[t.name] = _rows(conn, select(t).where(
            t.c.pool_id == pool_id, t.c.invoice_ref.in_(new_spends)), t)
    return added


Tallies = dict[str, dict[str, list[int]]]
"""Per added-row table and year: [rows, sum of each of `TALLIED`'s columns]."""
TALLIED = {t.name: [c.name for c in t.columns
                    if c.name in ("sequence", "count") or c.name.endswith("_pence")]
           for t in [*ADDED_BY_SEQUENCE, *ADDED_WITH_SPEND]}


def add_tallies(tallies: Tallies, added: Mapping[str, Sequence[Sequence[Any]]]) -> Tallies:
    """`tallies` with the rows of `added` (as `_rows` gives them) counted and summed in."""
    for name, rows in added.items():
        columns = [c.name for c in CHECKPOINTED[name].columns]
        at_year = columns.index("year")
        summed = [columns.index(c) for c in TALLIED[name]]
        table = tallies.setdefault(name, {})
        for row in rows:
            tally = table.setdefault(row[at_year], [0] * (1 + len(summed)))
            tally[0] += 1
            for k, i in enumerate(summed, start=1):
                tally[k] += row[i] or 0
    return tallies


def _json(tables: dict[str, Any]) -> bytes:
    return json.dumps(tables, sort_keys=True, separators=(",", ":")).encode()


def _digest(pool_id: str, position: int, text: bytes, previous: int | None = None) -> str:
    """SHA-256 of the rows and of where they belong (and, for added rows, the position of the
    checkpoint before): a part moved to another pool or position, or a checkpoint deleted
    from between two others, no longer matches."""
    return hashlib.sha256(_where(pool_id, position, previous) + text).hexdigest()


def _where(pool_id: str, position: int, previous: int | None = None) -> bytes:
    return (f"{pool_id}\n{position}\n" + ("" if previous is None else f"{previous}\n")).encode()


def _rows(conn: Connection, query: Any, table: Table) -> list[list[Any]]:
    """Rows as lists of plain values in column order, sorted by primary key in Python (one
    order on every backend, whatever its collation)."""
    rows = [_spelled(row) for row in conn.execute(query)]
    rows.sort(key=itemgetter(*[i for i, c in enumerate(table.columns) if c.primary_key]))
    return rows


def _plain(value: Any) -> Any:
    """One spelling per value whatever the backend returned (SQLite drops a time's zone)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


_SPELLED = frozenset({datetime, date})


def _spelled(row: Sequence[Any]) -> list[Any]:
    """A row as a list of its values, dates and times spelled by `_plain`."""
    return [_plain(v) if type(v) in _SPELLED else v for v in row]


@dataclass(frozen=True)
class Checkpoint:
    pool_id: str
    position: int
    recorded_at: datetime
    events: int


class CheckpointUnusableError(Exception):
    """A stored checkpoint does not agree with itself or with the log (edited or damaged)."""


def latest_at(conn: Connection, pool_id: str, position: int) -> Checkpoint | None:
    """The pool's last checkpoint at or before log position `position`."""
    row = conn.execute(select(checkpoints.c.position, checkpoints.c.recorded_at,
                              checkpoints.c.events)
                       .where(checkpoints.c.pool_id == pool_id,
                              checkpoints.c.position <= position)
                       .order_by(checkpoints.c.position.desc()).limit(1)).first()
    if row is None:
        return None
    recorded_at = row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC)
    return Checkpoint(pool_id, int(row[0]), recorded_at, int(row[2]))


def load_state(conn: Connection, checkpoint: Checkpoint,
               year: str | None) -> tuple[CheckedState, Tallies]:
    """The checkpoint's state text and its tallies of the added rows, checked against its
    state digest."""
    blob, digest, tallies_text = conn.execute(select(
        checkpoints.c.state, checkpoints.c.state_digest, checkpoints.c.tallies).where(
        checkpoints.c.pool_id == checkpoint.pool_id,
        checkpoints.c.position == checkpoint.position)).one()
    text = _decompressed(blob, checkpoint.position)
    if _digest(checkpoint.pool_id, checkpoint.position,
               text + b"\n" + tallies_text.encode()) != digest:
        raise CheckpointUnusableError(f"checkpoint at {checkpoint.position}: rows differ "
                                      "from digest")
    return CheckedState(checkpoint, text, year), json.loads(tallies_text)


@dataclass(frozen=True)
class CheckedState:
    """A checkpoint's state text, its digest checked, decoded when its rows are asked for."""

    checkpoint: Checkpoint
    text: bytes
    year: str | None

    def tables(self, by_decision: Collection[Table] = (),
               decisions: Collection[str] = ()) -> dict[str, list[list[Any]]]:
        """The state rows (of `year` only, for the tables a year's replay would leave out),
        those of the `by_decision` tables of `decisions` only (decision 0045): found in the
        text without decoding the rest where that is cheaper (`state_text`, decision 0046)."""
        if not by_decision:
            return _of_year(json.loads(self.text), self.year)
        if not all(_keyed_by_decision(t) for t in by_decision):
            raise ValueError("only tables of flat rows keyed by pool and decision are kept "
                             "in part")
        names = {t.name for t in by_decision}
        try:
            found = decode_for(self.text.decode(), sorted(_STATE_NAMES), names,
                               self.checkpoint.pool_id, decisions)
            if found is None:
                found = json.loads(self.text)
                ids = set(decisions)
                for name in names:  # the decision's id follows the pool's (`_keyed_by_decision`)
                    found[name] = [row for row in found[name] if row[1] in ids]
        except ValueError as error:  # a digest recomputed over a text not written here
            raise CheckpointUnusableError(
                f"checkpoint at {self.checkpoint.position}: {error}") from None
        return _of_year(found, self.year)


_STATE_NAMES = frozenset(t.name for t in STATE_TABLES)


def _keyed_by_decision(table: Table) -> bool:
    """Whether a table's rows are flat (no JSON column), and its columns and primary key begin
    with the pool's id and the decision's, as `state_text.decode_for` needs."""
    first = ["pool_id", "decision_id"]
    return (not any(isinstance(c.type, JSON) for c in table.columns)
            and table.columns.keys()[:2] == first and table.primary_key.columns.keys()[:2] == first)


def _decompressed(blob: bytes, position: int) -> bytes:
    try:
        return zlib.decompress(blob)
    except zlib.error as error:
        raise CheckpointUnusableError(f"checkpoint at {position}: {error}") from None


def _of_year(tables: dict[str, list[list[Any]]], year: str | None) -> dict[str, list[list[Any]]]:
    if year is not None:
        for name, rows in tables.items():
            if name not in POOL_FED:
                at = [c.name for c in CHECKPOINTED[name].columns].index("year")
                tables[name] = [row for row in rows if row[at] == year]
    return tables


def load_rows(conn: Connection, checkpoint: Checkpoint,
              year: str | None) -> dict[str, list[list[Any]]]:
    """The pool's rows at the checkpoint: its state rows and the added rows of it and of every
    earlier checkpoint (of `year` only, for the tables a year's replay would leave out). Each
    part is checked against its digest."""
    found = conn.execute(select(checkpoints.c.position, checkpoints.c.added_digest,
                                checkpoints.c.added)
                         .where(checkpoints.c.pool_id == checkpoint.pool_id,
                                checkpoints.c.position <= checkpoint.position)
                         .order_by(checkpoints.c.position)).all()
    tables: dict[str, list[list[Any]]] = {name: [] for name in CHECKPOINTED}
    for name, rows in load_state(conn, checkpoint, year)[0].tables().items():
        tables[name].extend(rows)
    for (position, digest, blob), previous in zip(found, [0, *(row[0] for row in found)],
                                                   strict=False):
        text = _decompressed(blob, position)
        if _digest(checkpoint.pool_id, position, text, previous) != digest:
            raise CheckpointUnusableError(f"checkpoint at {position}: rows differ from digest")
        for name, rows in _of_year(json.loads(text), year).items():
            tables[name].extend(rows)
    return tables
