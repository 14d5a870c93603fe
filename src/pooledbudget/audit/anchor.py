"""Finding and checking the anchor an incremental verify starts from: a seal or a pool's head.

An auditor holds a digest written down earlier. It is either a seal's digest (the `hash` of a
`PoolSealed` event, which records the pool's stream heads, event count and log digest up to a
log position) or a pool's head (a link of the pool, the fold of every event of the pool up to
it). Before anything after it is checked, the anchor itself is: its stored event must still
give the digest, the pool's link at its position must still be what it commits to, and, for a
seal, the last event of every sealed stream must still be stored with the sealed hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from ..aggregates import Pool, pool_uuid
from ..aggregates.chain import GENESIS, event_hash, stored_fields
from ..errors import UnknownDigestError
from ..log_index import LINKS_FROM, has_index, settings
from .chain_state import fold_digest

SEALED = get_topic(Pool.Sealed)
POOLS = "SELECT pool_id FROM {streams} WHERE kind = 'pool' ORDER BY notification_id"
LINK_BY_DIGEST = ("SELECT pool_id, seq, notification_id, originator_id, originator_version, link "
                  "FROM {links} WHERE link = ?")
LINK_AT = "SELECT seq, notification_id, link FROM {links} WHERE pool_id = ? AND seq = ?"
LAST_LINK_UP_TO = ("SELECT seq, notification_id, link FROM {links} WHERE pool_id = ? "
                   "AND notification_id <= ? ORDER BY seq DESC LIMIT 1")
POOL_STREAMS_UP_TO = ("SELECT originator_id FROM {streams} WHERE pool_id = ? "
                      "AND notification_id <= ?")

Problem = tuple[str, dict[str, Any]]


@dataclass
class Anchor:
    """Where an incremental verify starts: the log after `up_to` is checked."""

    kind: str  # "seal" or "head"
    digest: str
    pool: str
    up_to: int  # the last log position the anchor covers
    events: int  # the pool's events up to it
    log_digest: str  # the pool's fold of them (a seal's log_digest; a head is its own)
    heads: dict[str, list[Any]] | None = None  # a seal's stream heads
    seq: int = 0  # the pool's link at up_to: its number, and the link itself
    link: str = GENESIS
    links_from: int = 0
    seal_id: tuple[UUID, int] | None = None  # the seal event's aggregate and version
    last_time: datetime | None = None  # the latest recording time of what it covers

    def as_dict(self) -> dict[str, Any]:
        return {self.kind: self.digest, "pool": self.pool, "up_to": self.up_to,
                "events": self.events, "from_position": self.up_to + 1}


def decode_checked(app: Application[Any], stored: Any) -> tuple[Any | None, str | None]:
    """The stored event decoded, if its content still gives its recorded hash."""
    try:
        event: Any = app.mapper.to_domain_event(stored)
    except Exception as error:  # noqa: BLE001 - tampered bytes fail in many ways
        return None, f"{type(error).__name__}: {error}"
    recorded = getattr(event, "hash", None)
    if event_hash(get_topic(type(event)), stored_fields(event)) != recorded:
        return None, "its content does not give its recorded hash"
    return event, None


def _pools(app: Application[Any], pool: str | None) -> list[str]:
    if pool is not None:
        return [pool]
    recorder: Any = app.recorder
    if not has_index(recorder):
        return []
    return [row["pool_id"] for row in recorder.index_rows(POOLS, ())]


def find_anchor(app: Application[Any], digest: str, pool: str | None) -> Anchor:
    """The seal or head with this digest (of `pool`, if given); `UnknownDigestError` if none.
    Nothing about it is checked yet (`check_anchor` does)."""
    recorder: Any = app.recorder
    links_from = settings(recorder).get(LINKS_FROM, 0) if has_index(recorder) else 0
    for candidate in _pools(app, pool):
        stream = pool_uuid(candidate)
        for stored in recorder.select_events(stream):
            if stored.topic != SEALED:
                continue
            try:
                event: Any = app.mapper.to_domain_event(stored)
            except Exception:  # noqa: BLE001 - not this one; a full verify names it
                continue
            if event.hash == digest:
                return Anchor("seal", digest, candidate, event.up_to, event.events,
                              event.log_digest, {k: list(v) for k, v in event.heads.items()},
                              links_from=links_from, seal_id=(stream, stored.originator_version))
    if has_index(recorder):
        for row in recorder.index_rows(LINK_BY_DIGEST, (digest,)):
            if pool is not None and row["pool_id"] != pool:
                continue
            if links_from:
                raise UnknownDigestError(
                    "this ledger's links begin after its first events (links_from "
                    f"{links_from}): a head does not cover what came before them; start from a "
                    "seal's digest instead", field="from_seal")
            return Anchor("head", digest, row["pool_id"], int(row["notification_id"]),
                          int(row["seq"]), digest, seq=int(row["seq"]), link=digest,
                          links_from=links_from)
    where = "" if pool is None else f" of pool {pool}"
    raise UnknownDigestError(
        f"no seal and no head{where} has the digest {digest[:80]!r}: it was removed or altered, "
        "or it belongs to another ledger; a full verify (with --seal DIGEST) names what "
        "changed", field="from_seal")


def check_anchor(app: Application[Any], anchor: Anchor) -> Problem | None:
    """The anchor's own stored event gives its digest, and the pool's links and (for a seal)
    its streams' last events are still what it commits to; None if so. Fills `anchor.seq` and
    `anchor.link`, the pool's link the later links must carry on from."""
    if anchor.kind == "seal":
        return _check_seal(app, anchor)
    return _check_head(app, anchor)


def _check_seal(app: Application[Any], anchor: Anchor) -> Problem | None:
    recorder: Any = app.recorder
    assert anchor.seal_id is not None and anchor.heads is not None
    stream, version = anchor.seal_id
    stored = recorder.select_events(stream, gt=version - 1, lte=version)
    seal, error = decode_checked(app, stored[0]) if stored else (None, "removed")
    if seal is None or seal.hash != anchor.digest:
        return ("the seal's stored event does not give its digest: altered",
                {"seal": anchor.digest, "error": error})
    for aggregate_id, (head_version, head_hash) in sorted(anchor.heads.items()):
        found = recorder.select_events(UUID(aggregate_id), gt=head_version - 1, lte=head_version)
        event, error = decode_checked(app, found[0]) if found else (None, "removed")
        if event is None or event.hash != head_hash:
            return ("a sealed stream's last event is not stored as the seal recorded it: the "
                    "history the seal covers was rewritten or removed",
                    {"seal": anchor.digest, "aggregate_id": aggregate_id,
                     "version": head_version, "sealed_hash": head_hash,
                     "found_hash": None if event is None else event.hash, "error": error})
        if anchor.last_time is None or event.timestamp > anchor.last_time:
            anchor.last_time = event.timestamp
    if not has_index(recorder):
        return None
    rows = recorder.index_rows(LAST_LINK_UP_TO, (anchor.pool, anchor.up_to))
    if rows:
        anchor.seq, anchor.link = int(rows[0]["seq"]), rows[0]["link"]
    if anchor.links_from == 0 and (anchor.seq, anchor.link) != (anchor.events,
                                                                anchor.log_digest):
        return ("the pool's links at the seal's position are not what it sealed: the history "
                "before it was rewritten or removed, with its links",
                {"seal": anchor.digest, "sealed_events": anchor.events,
                 "sealed_log_digest": anchor.log_digest, "found_seq": anchor.seq,
                 "found_link": anchor.link})
    listed = {str(UUID(str(row["originator_id"]))) for row in recorder.index_rows(
        POOL_STREAMS_UP_TO, (anchor.pool, anchor.up_to))}
    if anchor.links_from == 0 and listed != set(anchor.heads):
        return ("the stream index does not list the pool's streams the seal covers",
                {"seal": anchor.digest,
                 "not_listed": sorted(set(anchor.heads) - listed),
                 "not_sealed": sorted(listed - set(anchor.heads))})
    return None


def _check_head(app: Application[Any], anchor: Anchor) -> Problem | None:
    recorder: Any = app.recorder
    previous = GENESIS
    if anchor.seq > 1:
        rows = recorder.index_rows(LINK_AT, (anchor.pool, anchor.seq - 1))
        if not rows:
            return ("the link before the head is missing: removed",
                    {"head": anchor.digest, "seq": anchor.seq - 1})
        previous = rows[0]["link"]
    notifications = recorder.select_notifications(start=anchor.up_to, limit=1, stop=anchor.up_to)
    event, error = decode_checked(app, notifications[0]) if notifications else (None, "removed")
    if event is None:
        return ("the head's event is not stored as it was linked: altered or removed",
                {"head": anchor.digest, "notification_id": anchor.up_to, "error": error})
    if getattr(event, "pool_id", anchor.pool) != anchor.pool:
        return ("the head's event belongs to another pool", {"head": anchor.digest})
    anchor.last_time = event.timestamp
    link = fold_digest(previous, event.originator_id, event.originator_version, event.hash)
    if link != anchor.digest:
        return ("the head does not recompute from the link before it and its event: the "
                "history up to it was rewritten", {"head": anchor.digest, "recomputed": link})
    return None
