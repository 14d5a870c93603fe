"""A pool's figures as at T without replaying an event (decision 0048): the checkpoint before
T, moved by the movements recorded after it up to T, all checked against the checkpoint after T.

The shares and risk-share reports read, of a pool, its row, its closed years, and by year and
partner its contributions, running totals (0045) and contingent exposure. Each checkpoint keeps
those as its figures part, with their own digest. Between two checkpoints, every decision event
recorded how it moved each partner's figures (`partner_moves`), and every contribution event is
a row of its own; both are among the added rows the later checkpoint holds under its digest.
So the figures at T are the earlier checkpoint's, plus the moves of the rows up to T's position,
read from the later checkpoint, never from the live tables. Nothing is replayed.

Before any of it is used:
- both checkpoints' positions are checked against the log (the events there are the pool's, at
  the checkpoints' times), and both figures parts and the later added part against their
  digests, the added part bound to the earlier checkpoint's position;
- the pool's row and closed years are the same in both: a partner joining or a year closing in
  between changes figures in ways the moves do not record, so the caller replays instead;
- the earlier figures plus every move of the interval are the later figures, exactly: a move
  missing or wrong shows here, and is logged; the caller replays instead.
A T after the pool's last checkpoint has no later one: the caller replays from the last.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..application import LedgerApplication
from ..logs import ledger_logger
from .checkpoints import (
    Checkpoint,
    CheckpointUnusableError,
    _digest,
    figures_digest,
    latest_at,
)
from .partner_moves import parse_moves
from .store import ReadModelStore
from .tables import checkpoints, contribution_events, forecast_movements

_log = ledger_logger()
Key = tuple[str, str]  # year, partner
_DECODER = json.JSONDecoder()
_RECEIVED = "received"


@dataclass
class PoolFigures:
    """The pool's figures: what `figures_part` keeps, by year and partner."""

    host: str
    partners: list[dict[str, Any]]
    risk_share: dict[str, Any]
    closed: list[str]
    contributions: dict[Key, list[int]]  # [agreed, received]
    totals: dict[Key, list[int]]  # [funded, responsible, committed]
    contingent: dict[Key, int]

    @classmethod
    def of(cls, part: dict[str, Any]) -> PoolFigures:
        host, partners, risk_share = part["pool"]
        return cls(host, partners, risk_share, part["closed"],
                   {(y, p): [a, r] for y, p, a, r in part["contributions"]},
                   {(y, p): [f, r, c] for y, p, f, r, c in part["totals"]},
                   {(y, p): pence for y, p, pence in part["contingent"]})

    def same(self, other: PoolFigures) -> bool:
        """Every figure the same, a row at nought and no row alike."""
        return (self.host, self.partners, self.risk_share, self.closed) == \
            (other.host, other.partners, other.risk_share, other.closed) and all(
            _nonzero(mine) == _nonzero(theirs) for mine, theirs in (
                (self.contributions, other.contributions), (self.totals, other.totals),
                (self.contingent, other.contingent)))


def figures_between(ledger: LedgerApplication, live: ReadModelStore, pool: str,
                    until: datetime, stop: int) -> PoolFigures | None:
    """The pool's figures as they stood at `until` (`stop`: the last id recorded by then),
    from the checkpoints of the `live` read models either side of it, or None when they cannot
    give them (module docstring): the caller replays."""
    from .from_checkpoint import check_position

    try:
        with live.transaction() as conn:
            before = latest_at(conn, pool, stop)
            after = _next_after(conn, pool, stop)
            if before is None or after is None:
                return None
            parts = {row.position: row for row in conn.execute(
                select(checkpoints.c.position, checkpoints.c.figures,
                       checkpoints.c.figures_digest, checkpoints.c.added,
                       checkpoints.c.added_digest)
                .where(checkpoints.c.pool_id == pool,
                       checkpoints.c.position.in_([before.position, after.position])))}
    except SQLAlchemyError:  # no such column or table: read models older than the figures
        return None
    try:
        check_position(ledger, before)
        check_position(ledger, after)
        start = _figures(pool, parts[before.position])
        end = _figures(pool, parts[after.position])
        if (start.host, start.partners, start.risk_share, start.closed) != \
                (end.host, end.partners, end.risk_share, end.closed):
            return None  # a partner joined, or a year closed, in between: replayed instead
        found = _moved(start, end, _interval_rows(pool, before, parts[after.position]),
                       stop, until)
    except CheckpointUnusableError as error:
        _log.warning("checkpoint_figures_not_used", pool=pool, reason=str(error))
        return None
    return found


def _next_after(conn: Any, pool: str, stop: int) -> Checkpoint | None:
    """The pool's first checkpoint after log position `stop`."""
    row = conn.execute(select(checkpoints.c.position, checkpoints.c.recorded_at,
                              checkpoints.c.events)
                       .where(checkpoints.c.pool_id == pool, checkpoints.c.position > stop)
                       .order_by(checkpoints.c.position).limit(1)).first()
    if row is None:
        return None
    recorded_at = row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC)
    return Checkpoint(pool, int(row[0]), recorded_at, int(row[2]))


def _figures(pool: str, row: Any) -> PoolFigures:
    text = row.figures.encode()
    if figures_digest(pool, row.position, text) != row.figures_digest:
        raise CheckpointUnusableError(f"checkpoint at {row.position}: figures differ from digest")
    try:
        return PoolFigures.of(json.loads(text))
    except (ValueError, TypeError, KeyError) as error:
        raise CheckpointUnusableError(f"checkpoint at {row.position}: figures: {error}") from None


def _interval_rows(pool: str, before: Checkpoint, row: Any) -> dict[str, list[list[Any]]]:
    """The contribution events and movements of the later checkpoint's added part, which holds
    the rows after the earlier one up to it (its digest binds both positions)."""
    try:
        text = zlib.decompress(row.added)
    except zlib.error as error:
        raise CheckpointUnusableError(f"checkpoint at {row.position}: {error}") from None
    if _digest(pool, row.position, text, before.position) != row.added_digest:
        raise CheckpointUnusableError(f"checkpoint at {row.position}: its added rows differ "
                                      f"from digest, or do not follow {before.position}")
    return _leading(text.decode(), {contribution_events.name, forecast_movements.name})


def _leading(text: str, wanted: set[str]) -> dict[str, list[list[Any]]]:
    """The `wanted` tables of a part's JSON (`{"name":[rows],...}`), decoded from its start
    up to the last of them only: the movements come before the spends and their allocations,
    which are most of the text."""
    found: dict[str, list[list[Any]]] = {}
    at = 1 if text.startswith("{") else -1
    try:
        while at > 0 and len(found) < len(wanted) and text[at:at + 1] != "}":
            name, at = _DECODER.raw_decode(text, at)
            if text[at:at + 1] != ":":
                break
            rows, at = _DECODER.raw_decode(text, at + 1)
            if name in wanted:
                found[name] = rows
            at += text[at:at + 1] == ","
    except ValueError:
        pass
    if len(found) < len(wanted):
        raise CheckpointUnusableError(f"added rows: no {sorted(wanted - found.keys())}")
    return found


def _moved(start: PoolFigures, end: PoolFigures, rows: dict[str, list[list[Any]]],
           stop: int, until: datetime) -> PoolFigures:
    """`start` moved by the rows up to `stop`; and checked: moved by every row, it is `end`."""
    moving = PoolFigures(start.host, start.partners, start.risk_share, start.closed,
                         {k: list(v) for k, v in start.contributions.items()},
                         {k: list(v) for k, v in start.totals.items()}, dict(start.contingent))
    at_stop: PoolFigures | None = None
    for sequence, recorded_at, row, apply in _in_order(rows):
        if at_stop is None and sequence > stop:
            at_stop = _copy(moving)
        if at_stop is None and _time(recorded_at) > until:
            raise CheckpointUnusableError(f"the row at {sequence} was recorded after the as-at")
        apply(moving, row)
    if at_stop is None:
        at_stop = _copy(moving)
    if not moving.same(end):
        raise CheckpointUnusableError("the movements after the checkpoint do not bring its "
                                      "figures to the next one's")
    return at_stop


def _in_order(rows: dict[str, list[list[Any]]]) -> list[tuple[int, str, list[Any], Any]]:
    """Every row as (its sequence, when it was recorded, the row, what applies it), in order."""
    ordered = []
    try:
        for table, applier in ((contribution_events, _contribution),
                               (forecast_movements, _movement)):
            columns = [c.name for c in table.columns]
            sequence, recorded_at = columns.index("sequence"), columns.index("recorded_at")
            apply = applier(columns)
            ordered += [(row[sequence], row[recorded_at], row, apply) for row in rows[table.name]]
        ordered.sort(key=lambda item: item[0])
    except (IndexError, TypeError) as error:
        raise CheckpointUnusableError(f"added rows: {error}") from None
    return ordered


def _contribution(columns: list[str]) -> Any:
    year, partner, kind, pence = (columns.index(c) for c in ("year", "partner", "kind",
                                                             "amount_pence"))

    def apply(figures: PoolFigures, row: list[Any]) -> None:
        sums = figures.contributions.setdefault((row[year], row[partner]), [0, 0])
        if row[kind] == _RECEIVED:
            sums[1] += row[pence]
        else:  # a pledge, or a variation: the agreed total (R6)
            sums[0] = row[pence]
    return apply


def _movement(columns: list[str]) -> Any:
    year, partners = columns.index("year"), columns.index("partners")

    def apply(figures: PoolFigures, row: list[Any]) -> None:
        try:
            moves = parse_moves(row[partners])
        except ValueError as error:
            raise CheckpointUnusableError(f"a movement's partners: {error}") from None
        for code, (funded, responsible, committed, contingent) in moves:
            key = (row[year], code)
            totals = figures.totals.setdefault(key, [0, 0, 0])
            totals[0] += funded
            totals[1] += responsible
            totals[2] += committed
            figures.contingent[key] = figures.contingent.get(key, 0) + contingent
    return apply


def _time(spelled: str) -> datetime:
    try:
        return datetime.fromisoformat(spelled)
    except (TypeError, ValueError) as error:
        raise CheckpointUnusableError(f"added rows: a time {spelled!r}: {error}") from None


def _copy(figures: PoolFigures) -> PoolFigures:
    return PoolFigures(figures.host, figures.partners, figures.risk_share, figures.closed,
                       {k: list(v) for k, v in figures.contributions.items()},
                       {k: list(v) for k, v in figures.totals.items()},
                       dict(figures.contingent))


def _nonzero(table: dict[Key, Any]) -> dict[Key, Any]:
    return {k: v for k, v in table.items() if (any(v) if isinstance(v, list) else v)}
