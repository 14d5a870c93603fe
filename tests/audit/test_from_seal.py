"""`verify --from-seal DIGEST`: the seal (or head) is checked, then only what came after it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic
from tests.audit.test_seals import seal_cmd
from tests.conftest import FakeClock
from tests.hostile.support import cli
from tests.hostile.tampering import Database
from tests.unit.helpers import approved_decision, run, setup_pool, spend_cmd

from pooledbudget.aggregates import Pool, decision_uuid, pool_uuid
from pooledbudget.aggregates.chain import event_hash
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.audit.verify import Verification, verify
from pooledbudget.errors import UnknownDigestError


@dataclass
class Sealed:
    url: str
    db: Database
    seal: str  # the digest the auditor wrote down
    up_to: int  # the log position it seals
    last: int  # the last notification id

    def open(self) -> LedgerApplication:
        return open_ledger(self.url)

    def check(self, **options: Any) -> Verification:
        app = self.open()
        try:
            return verify(app, **options)
        finally:
            app.close()


def build(url: str) -> Sealed:
    """Pool P: D1 with spends, sealed; then more spends on D1, a new decision D2 with spends."""
    app = open_ledger(url, clock=FakeClock())
    try:
        setup_pool(app)
        approved_decision(app)
        for i in range(3):
            run(app, spend_cmd("D1", f"INV-A{i}", "10.00"))
        run(app, seal_cmd())
        sealed = [e for e in app.events.get(pool_uuid("P")) if isinstance(e, Pool.Sealed)][-1]
        for i in range(3):
            run(app, spend_cmd("D1", f"INV-B{i}", "10.00"))
        approved_decision(app, "D2")
        run(app, spend_cmd("D2", "INV-C0", "20.00"))
        last = int(app.recorder.max_notification_id() or 0)
    finally:
        app.close()
    return Sealed(url, Database(url), sealed.hash, sealed.up_to, last)


@pytest.fixture
def sealed(db_url: str) -> Sealed:
    return build(db_url)


def pool_events_after(s: Sealed, position: int) -> int:
    """The pool's events after `position` (every event here belongs to pool P)."""
    return sum(1 for row in s.db.events() if row[0] > position)


def test_an_untouched_log_verifies_from_the_seal_and_counts_only_what_came_after(
        sealed: Sealed) -> None:
    full = sealed.check()
    tail = sealed.check(from_seal=sealed.seal)
    assert full.ok and tail.ok
    assert tail.events_checked == pool_events_after(sealed, sealed.up_to)
    assert 0 < tail.events_checked < full.events_checked
    assert tail.heads == full.heads
    assert tail.from_anchor == {"seal": sealed.seal, "pool": "P", "up_to": sealed.up_to,
                                "events": sealed.up_to, "from_position": sealed.up_to + 1}


def test_the_cli_prints_where_it_started_and_the_head(sealed: Sealed,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "verify", "--db", sealed.url, "--no-progress",
                         "--from-seal", sealed.seal)
    result = json.loads(out)
    assert (code, err) == (0, "")
    assert result["ok"] and result["from"]["from_position"] == sealed.up_to + 1
    assert result["events_checked"] == pool_events_after(sealed, sealed.up_to)
    assert result["heads"][0]["notification_id"] == sealed.last


def test_later_seals_are_checked_from_the_earlier_one(db_url: str) -> None:
    s = build(db_url)
    app = s.open()
    try:
        run(app, seal_cmd("Second"))
        run(app, spend_cmd("D2", "INV-C1", "20.00"))
        result = verify(app, from_seal=s.seal)
    finally:
        app.close()
    assert result.ok and result.seals_checked == 1
    assert result.seals[0]["digest"] != s.seal


def test_an_unknown_digest_exits_2_and_the_api_raises(sealed: Sealed,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "verify", "--db", sealed.url, "--no-progress",
                         "--from-seal", "f" * 64)
    assert (code, out) == (2, "")
    assert "no seal and no head" in err and "removed or altered" in err
    with pytest.raises(UnknownDigestError) as raised:
        sealed.check(from_seal="f" * 64)
    assert raised.value.field == "from_seal"
    with pytest.raises(UnknownDigestError):
        sealed.check(from_seal=sealed.seal, pool="OTHER")


def test_from_seal_with_seal_or_expect_head_is_a_usage_error(
        sealed: Sealed, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "verify", "--db", sealed.url, "--from-seal", sealed.seal,
                         "--seal", sealed.seal)
    assert (code, out) == (2, "") and "--from-seal" in err


def test_a_head_written_down_earlier_is_an_anchor_too(sealed: Sealed) -> None:
    head = sealed.check().heads[0]["head"]
    app = sealed.open()
    try:
        run(app, spend_cmd("D2", "INV-C1", "20.00"))
        run(app, spend_cmd("D1", "INV-B9", "20.00"))
        result = verify(app, from_seal=head, pool="P")
    finally:
        app.close()
    assert result.ok
    assert result.from_anchor is not None and result.from_anchor["head"] == head
    assert result.events_checked == pool_events_after(sealed, sealed.last)


# -- tampering after the seal: the walk names it -----------------------------------------------


def _rows_after(s: Sealed, topic: str) -> list[tuple[int, str, int, str]]:
    return [row for row in s.db.events(topic) if row[0] > s.up_to]


def test_a_changed_byte_after_the_seal_is_named(sealed: Sealed) -> None:
    target = _rows_after(sealed, "pooledbudget:SpendRecorded")[0]
    _bytes_edit(sealed, target[0])
    result = sealed.check(from_seal=sealed.seal)
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["notification_id"] == target[0]


def _bytes_edit(s: Sealed, notification_id: int) -> None:
    (state,) = s.db.rows("SELECT state FROM stored_events WHERE {id} = ?", (notification_id,))[0]
    changed = bytes(state).replace(b"10.00", b"19.00")
    assert changed != bytes(state)
    s.db.run("UPDATE stored_events SET state = ? WHERE {id} = ?", (changed, notification_id))


def test_an_event_deleted_after_the_seal_is_named(sealed: Sealed) -> None:
    target = _rows_after(sealed, "pooledbudget:SpendRecorded")[1]
    sealed.db.delete_events([target[0]])
    result = sealed.check(from_seal=sealed.seal)
    assert not result.ok and result.first_bad is not None


def test_an_event_deleted_with_its_link_after_the_seal_is_named(sealed: Sealed) -> None:
    target = _rows_after(sealed, "pooledbudget:SpendRecorded")[0]
    sealed.db.delete_events([target[0]])
    sealed.db.delete_links([target[0]])
    result = sealed.check(from_seal=sealed.seal)
    assert not result.ok and result.first_bad is not None
    assert "removed" in result.first_bad["problem"] or "missing" in result.first_bad["problem"]


# -- tampering at or before the seal: the seal check names it ----------------------------------


def _forge(s: Sealed, notification_id: int, supplier: str = "Forged Ltd") -> None:
    """The event at `notification_id` rewritten with its own hash recomputed."""
    (aggregate, version) = s.db.rows("SELECT originator_id, originator_version FROM "
                                     "stored_events WHERE {id} = ?", (notification_id,))[0]
    app = s.open()
    try:
        original: Any = next(e for e in app.events.get(UUID(str(aggregate)))
                             if e.originator_version == version)
        fields = {k: v for k, v in original.__dict__.items() if k != "hash"}
        fields["supplier"] = supplier
        kind = type(original)
        stored = app.mapper.to_stored_event(kind(**fields, hash=event_hash(get_topic(kind),
                                                                           fields)))
    finally:
        app.close()
    s.db.run("UPDATE stored_events SET state = ? WHERE {id} = ?", (stored.state, notification_id))


def test_a_sealed_streams_last_event_rewritten_is_named_by_the_seal_check(sealed: Sealed) -> None:
    last_sealed = [r for r in sealed.db.events("pooledbudget:SpendRecorded")
                   if r[0] <= sealed.up_to][-1]
    _forge(sealed, last_sealed[0])
    result = sealed.check(from_seal=sealed.seal)
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["problem"].startswith("a sealed stream's last event is not stored")
    assert result.first_bad["aggregate_id"] == str(decision_uuid("P", "D1"))


def test_the_seal_itself_altered_is_named(sealed: Sealed) -> None:
    (seal_row,) = sealed.db.events("pooledbudget:PoolSealed")
    app = sealed.open()
    try:
        original: Any = [e for e in app.events.get(pool_uuid("P"))
                         if isinstance(e, Pool.Sealed)][-1]
        fields = dict(original.__dict__)
        fields["reason"] = "Edited"  # the recorded hash kept: the digest the auditor holds
        stored = app.mapper.to_stored_event(Pool.Sealed(**fields))
    finally:
        app.close()
    sealed.db.run("UPDATE stored_events SET state = ? WHERE {id} = ?", (stored.state, seal_row[0]))
    result = sealed.check(from_seal=sealed.seal)
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["problem"].startswith("the seal's stored event does not give")


def test_the_seal_removed_is_an_unknown_digest(sealed: Sealed) -> None:
    (seal_row,) = sealed.db.events("pooledbudget:PoolSealed")
    sealed.db.delete_events([seal_row[0]])
    with pytest.raises(UnknownDigestError):
        sealed.check(from_seal=sealed.seal)


def test_links_before_the_seal_rewritten_are_named_by_the_seal_check(sealed: Sealed) -> None:
    """The pool's link at the seal's position must be the log digest the seal recorded."""
    sealed.db.run("UPDATE stored_events_links SET link = ? WHERE notification_id = ?",
                  ("e" * 64, sealed.up_to))
    result = sealed.check(from_seal=sealed.seal)
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["problem"].startswith("the pool's links at the seal's position")


def test_a_stream_index_row_before_the_seal_deleted_is_named(sealed: Sealed) -> None:
    d1 = decision_uuid("P", "D1")
    sealed.db.run("DELETE FROM stored_events_streams WHERE originator_id = ?",
                  (d1 if sealed.db.postgres else d1.hex,))
    assert sealed.check().first_bad is not None  # a full verify names it too
    result = sealed.check(from_seal=sealed.seal)
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["problem"].startswith("the stream index does not list")


def test_an_inner_event_edited_before_the_seal_is_left_to_a_full_verify(sealed: Sealed) -> None:
    """What a held digest covers (docs/auditors/incremental-verify.md): `--from-seal` re-reads
    the seal, its streams' last events and the pool's link at its position, not every event
    before it. A spend inside a sealed stream rewritten with its own hash recomputed (and its
    stream's later hashes not) passes `--from-seal`; the full verify names it."""
    inner = [r for r in sealed.db.events("pooledbudget:SpendRecorded") if r[0] <= sealed.up_to][0]
    _forge(sealed, inner[0])
    assert sealed.check(from_seal=sealed.seal).ok
    full = sealed.check()
    assert not full.ok and full.first_bad is not None
    assert full.first_bad["notification_id"] in (inner[0], inner[0] + 1)


def _head_then_more(s: Sealed) -> str:
    """The pool's head written down now, then more spend on D1 (its stream continues)."""
    head: str = s.check().heads[0]["head"]
    app = s.open()
    try:
        run(app, spend_cmd("D1", "INV-B8", "20.00"))
        run(app, spend_cmd("D1", "INV-B9", "20.00"))
    finally:
        app.close()
    return head


def test_from_a_head_the_event_a_stream_continues_from_altered_is_named(sealed: Sealed) -> None:
    head = _head_then_more(sealed)
    d1 = decision_uuid("P", "D1")
    before = [r for r in sealed.db.events("pooledbudget:SpendRecorded")
              if r[0] <= sealed.last and UUID(str(r[1])) == d1][-1]
    _bytes_edit(sealed, before[0])
    result = sealed.check(from_seal=head)
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["problem"].startswith("the event before the head")


def test_from_a_head_tampering_after_it_is_named(sealed: Sealed) -> None:
    head = _head_then_more(sealed)
    after = [r for r in sealed.db.events("pooledbudget:SpendRecorded") if r[0] > sealed.last]
    _bytes_edit(sealed, after[-1][0])
    result = sealed.check(from_seal=head)
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["notification_id"] == after[-1][0]
