"""A pool's figures as at T without replaying an event (decision 0048): read from the figures
part of the pool's first checkpoint recorded after T, which holds them along the way from the
checkpoint before (`figures_part`).

The shares and risk-share reports read, of a pool, its row, its closed years, and by year and
partner its contributions, running totals (0045) and contingent exposure. The part gives them
as they stood after every hundredth of the interval's moving rows; the last of those recorded
by T, moved by the rows after it recorded by T, are the figures at T. Recording time never goes
backwards in log order (0002), so the rows recorded by T are the interval's first ones.

Before any of it is used, the checkpoint's position is checked against the log (the event there
is the pool's, recorded at the checkpoint's time) and its part against its digest; the part
must say its figures along the way bring the last checkpoint's to its own with no partner
joining and no year closing in between (`served`), the last checkpoint must have been recorded
by T, and the rows must be in order of time. Otherwise the read models' as-at answers
(`read_models_as_at`), and a part that fails its digest is logged. An edit made with the
digest recomputed is not caught here: `verify --read-models` rebuilds every checkpoint and
names the first that differs, as for a checkpoint's other parts (0030).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..application import LedgerApplication
from ..logs import ledger_logger
from .checkpoints import Checkpoint, CheckpointUnusableError
from .figures_part import Figures, figures_digest
from .store import ReadModelStore
from .tables import checkpoints

_log = ledger_logger()


@dataclass
class PoolFigures(Figures):
    """A pool's figures with its row (host, partners, risk-share rule) and closed years."""

    host: str = ""
    partners: list[dict[str, Any]] = field(default_factory=list)
    risk_share: dict[str, Any] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)


def figures_between(ledger: LedgerApplication, live: ReadModelStore, pool: str,
                    until: datetime) -> PoolFigures | None:
    """The pool's figures as they stood at `until`, from the `live` read models' first
    checkpoint of the pool recorded after it (by time, through its index: recording time
    follows log order, 0002), or None when it cannot give them (module docstring): the caller
    reads the read models as at `until` instead."""
    from .from_checkpoint import check_position

    try:
        with live.transaction() as conn:
            row = conn.execute(
                select(checkpoints.c.position, checkpoints.c.recorded_at, checkpoints.c.events,
                       checkpoints.c.figures, checkpoints.c.figures_digest)
                .where(checkpoints.c.pool_id == pool, checkpoints.c.recorded_at > until)
                .order_by(checkpoints.c.recorded_at, checkpoints.c.position).limit(1)).first()
    except SQLAlchemyError:  # no such column: read models older than the figures
        return None
    if row is None:
        return None  # T is in the pool's last interval
    recorded_at = row.recorded_at if row.recorded_at.tzinfo else \
        row.recorded_at.replace(tzinfo=UTC)
    try:
        check_position(ledger, Checkpoint(pool, int(row.position), recorded_at, int(row.events)))
        text = row.figures.encode()
        if figures_digest(pool, row.position, text) != row.figures_digest:
            raise CheckpointUnusableError(f"checkpoint at {row.position}: figures differ from "
                                          "digest")
        part = json.loads(text)
        return _at(part, until)
    except CheckpointUnusableError as error:
        _log.warning("checkpoint_figures_not_used", pool=pool, reason=str(error))
        return None
    except (ValueError, TypeError, KeyError, IndexError) as error:
        _log.warning("checkpoint_figures_not_used", pool=pool,
                     reason=f"checkpoint at {row.position}: figures: {error!r}")
        return None


def _at(part: dict[str, Any], until: datetime) -> PoolFigures | None:
    """The part's figures as they stood at `until`; None if it may not give them."""
    interval = part["interval"]
    if not interval["served"] or datetime.fromisoformat(interval["previous_at"]) > until:
        return None
    lines = interval["lines"].split("\n") if interval["lines"] else []
    along = interval["along"]
    chosen = 0  # the last figures along the way whose last row was recorded by `until`
    for i, (count, _) in enumerate(along):
        if count == 0 or _time(lines[count - 1]) <= until:
            chosen = i
    start = along[chosen][0]
    end = along[chosen + 1][0] if chosen + 1 < len(along) else len(lines)
    times = [_time(line) for line in lines[start:end]]
    upto = 0
    while upto < len(times) and times[upto] <= until:
        upto += 1
    if any(t <= until for t in times[upto:]):
        raise CheckpointUnusableError("the interval's rows are not in order of time")
    found = Figures.read(along[chosen][1])
    found.apply(lines[start:start + upto])
    host, partners, risk_share = part["pool"]
    return PoolFigures(found.contributions, found.totals, found.contingent, host, partners,
                       risk_share, part["closed"])


def _time(line: str) -> datetime:
    return datetime.fromisoformat(line.split("\t", 2)[1])
