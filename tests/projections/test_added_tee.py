"""A checkpoint's added rows taken from what the batch wrote (`added_tee`, decision 0040) are the
rows read back from the tables, byte for byte, on SQLite and PostgreSQL: every column of every
checkpoint (digests, compressed parts, tallies) equals that of a projection reading every
checkpoint back, whatever the batches, with batches rolled back, and where the tee must fall
back to reading back (it began watching mid-interval, another process moved on, a row was
written past it, a value it cannot spell).

The history: the three worked scenarios merged by recording time (contribution events, a closed
year's lapse movements, declines, variations, outcome payments, sign-offs under a register,
reversals) and two generated pools interleaved week by week with a quarter of their spends
reversed, a checkpoint every 4 of a pool's events.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert

from pooledbudget.application import LedgerApplication
from pooledbudget.batch import apply_lines
from pooledbudget.persistence import database, prepare
from pooledbudget.projections import LedgerProjection, ReadModelStore, added_tee, catch_up, projector
from pooledbudget.projections import checkpoints as ck
from pooledbudget.projections import sign_offs as so
from pooledbudget.projections import spend as sp
from pooledbudget.projections.bulk import insert_rows
from pooledbudget.projections.emptying import empty_read_models
from pooledbudget.projections.tables import checkpoints, sign_offs, spends
from projections.test_checkpoint_state import stored

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.generator import PoolSpec, as_lines, generate  # noqa: E402

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios" / "data"
EVERY = 4
_COLUMNS = list(checkpoints.c.keys())


@pytest.fixture(autouse=True)
def small_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POOLEDBUDGET_CHECKPOINT_EVERY", str(EVERY))


@pytest.fixture
def history(ledger: LedgerApplication) -> LedgerApplication:
    lines = []
    for name in ("family_recovery_pool", "outcomes_pool", "signatory_pool"):
        lines += (SCENARIOS / f"{name}.jsonl").read_text().splitlines()
    lines.sort(key=lambda line: json.loads(line).get("at", ""))  # the pools interleaved
    applied = list(apply_lines(ledger, lines, use_command_time=True, allow_future_times=True))
    assert sum(r["ok"] for r in applied) == 125  # as each scenario alone (the rest: its errors)
    generated = as_lines(generate(PoolSpec(pools=2, decisions=3, weeks=8, reversals=0.25), 3))
    assert all(r["ok"] for r in apply_lines(ledger, generated))
    return ledger


class Died(Exception):
    """Stands for the process dying part-way through a batch."""


class Dying(LedgerProjection):
    """Dies before applying its `die_at`-th event (counted over its whole life), once."""

    def __init__(self, view: ReadModelStore, ledger: LedgerApplication, die_at: int = 0):
        super().__init__(view, ledger)
        self.applied, self.die_at = 0, die_at

    def apply(self, conn: Connection, event: Any, sequence: int) -> None:
        self.applied += 1
        if self.applied == self.die_at:
            raise Died(f"before event {sequence}")
        super().apply(conn, event, sequence)


def fresh_store(ledger: LedgerApplication) -> ReadModelStore:
    """The ledger's read-model store emptied (on an in-memory ledger: a new private one)."""
    assert ledger.database is not None
    store = ReadModelStore.for_database(ledger.database)
    empty_read_models(store)
    return store


def read_back_reference(ledger: LedgerApplication, monkeypatch: pytest.MonkeyPatch
                        ) -> list[tuple[Any, ...]]:
    """Every checkpoint of a rebuild that reads every checkpoint's added rows back."""
    store = fresh_store(ledger)
    with monkeypatch.context() as patch:
        patch.setattr(added_tee, "ENABLED", False)
        catch_up(ledger, LedgerProjection(store, ledger))
    found = stored(store)
    store.close()
    return found


def spy_on_read_back(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int]]:
    """(pool, up to, after) of every read-back of added rows."""
    calls: list[tuple[str, int, int]] = []
    real = ck.read_back

    def spy(conn: Connection, pool_id: str, position: int, previous: int) -> Any:
        calls.append((pool_id, position, previous))
        return real(conn, pool_id, position, previous)

    monkeypatch.setattr(ck, "read_back", spy)
    return calls


def added_parts(found: list[tuple[Any, ...]]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for row in found:
        added = json.loads(zlib.decompress(row[_COLUMNS.index("added")]))
        yield row[0], row[1], added


def test_the_history_has_what_the_tee_must_get_right(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the other tests' meaning: checkpoints of several pools, reversals of spends of
    the same interval and of earlier ones, and rows of every added table."""
    found = read_back_reference(history, monkeypatch)
    assert len({row[0] for row in found}) == 5 and len(found) >= 50
    at = {c.name: i for i, c in enumerate(spends.columns)}
    same, earlier, tables = 0, 0, set()
    for _, _, added in added_parts(found):
        tables |= {name for name, rows in added.items() if rows}
        new = {row[at["invoice_ref"]]: row for row in added[spends.name]}
        for reversal in added["pb_spend_reversals"]:
            if reversal[1] in new:
                same += 1
                assert new[reversal[1]][at["reversed"]] is True
            else:
                earlier += 1
    assert same and earlier
    assert tables == set(ck.CHECKPOINTED) - {t.name for t in ck.STATE_TABLES}


@pytest.mark.parametrize("batch_size", [10_000, 7, 1])
def test_teed_checkpoints_are_the_read_back_ones_byte_for_byte(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch, batch_size: int) -> None:
    """One batch (checkpoints mid-batch, pools interleaved in it), batches of 7, and of one
    event (every reversal in a later batch than its spend): the tee serves every checkpoint."""
    reference = read_back_reference(history, monkeypatch)
    read_back = spy_on_read_back(monkeypatch)
    store = fresh_store(history)
    catch_up(history, LedgerProjection(store, history), batch_size=batch_size)
    assert stored(store) == reference
    assert read_back == []


@pytest.mark.parametrize("where", ["apply:30", "apply:150", "apply:240", "checkpoint:5",
                                   "checkpoint:40", "advance:3", "advance:6"])
def test_a_batch_that_rolls_back_leaves_nothing_in_the_next_checkpoint(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """The projection dies mid-batch: before an event, right after writing a checkpoint, or
    as the batch advances the position (every row and checkpoint of it written). The same
    projection goes on: the rows the tee kept of the rolled-back batch are forgotten, those
    of committed batches kept, and every checkpoint is still served by the tee."""
    reference = read_back_reference(history, monkeypatch)
    read_back = spy_on_read_back(monkeypatch)
    store = fresh_store(history)
    kind, nth = where.split(":")
    projection = Dying(store, history, int(nth) if kind == "apply" else 0)
    if kind != "apply":  # the n-th checkpoint written, or position advanced, then death
        owner: Any = projector if kind == "checkpoint" else store
        name = "write_checkpoint" if kind == "checkpoint" else "advance"
        real, calls = getattr(owner, name), []

        def dies_once(*args: Any) -> None:
            real(*args)
            calls.append(1)
            if len(calls) == int(nth):
                raise Died(f"after {where}")

        monkeypatch.setattr(owner, name, dies_once)
    with pytest.raises(Died):
        catch_up(history, projection, batch_size=37)
    catch_up(history, projection, batch_size=37)
    assert stored(store) == reference
    assert read_back == []


def test_a_projection_starting_mid_interval_reads_back_only_what_came_before(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new process goes on from a committed position: each pool's first checkpoint after it
    reads back the rows up to that position only; the rest come from the tee."""
    reference = read_back_reference(history, monkeypatch)
    store = fresh_store(history)
    with pytest.raises(Died):
        catch_up(history, Dying(store, history, die_at=150), batch_size=37)
    resumed_from = store.max_tracking_id(history.name)
    assert resumed_from
    read_back = spy_on_read_back(monkeypatch)
    catch_up(history, LedgerProjection(store, history), batch_size=37)
    assert stored(store) == reference
    assert read_back and all(upto == resumed_from for _, upto, _ in read_back)
    assert len({pool for pool, _, _ in read_back}) == len(read_back)  # once a pool at most


def test_another_process_moving_on_makes_the_tee_watch_anew(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two projections on one store take turns: each finds the position moved by the other,
    forgets what it kept and reads back what the other wrote."""
    reference = read_back_reference(history, monkeypatch)
    store = fresh_store(history)
    first = Dying(store, history, die_at=100)
    with pytest.raises(Died):
        catch_up(history, first, batch_size=37)
    with pytest.raises(Died):
        catch_up(history, Dying(store, history, die_at=80), batch_size=37)
    other_reached = store.max_tracking_id(history.name)
    read_back = spy_on_read_back(monkeypatch)
    catch_up(history, first, batch_size=37)
    assert stored(store) == reference
    assert read_back and all(upto == other_reached for _, upto, _ in read_back)


def test_rows_written_past_the_tee_make_it_read_every_checkpoint_back(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that bypasses `insert_rows` (here: sign-offs through SQLAlchemy's insert) is
    seen on the batch's connection; from then on every checkpoint is read back whole."""
    reference = read_back_reference(history, monkeypatch)

    def bypassing(self: so.SignOffWriter, conn: Connection) -> None:
        names = [c.name for c in sign_offs.columns]
        if self._rows:
            conn.execute(insert(sign_offs), [dict(zip(names, row, strict=True))
                                             for row in self._rows])
        self.discard()

    monkeypatch.setattr(so.SignOffWriter, "flush", bypassing)
    read_back = spy_on_read_back(monkeypatch)
    store = fresh_store(history)
    projection = LedgerProjection(store, history)
    catch_up(history, projection, batch_size=37)
    assert stored(store) == reference
    assert projection._tee is not None and projection._tee._blind
    whole = [(pool, upto) for pool, upto, _ in read_back]
    assert len(whole) >= len(reference) // 2 and len(set(whole)) == len(whole)
    assert {(row[0], row[1]) for row in reference} >= set(whole)  # each read back whole


class Text(str):
    """A str of another type: stored as text, read back as str, not vouched for by the tee."""


def test_a_value_the_tee_cannot_spell_is_read_back(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = read_back_reference(history, monkeypatch)
    real = sp.SpendWriter._kept
    monkeypatch.setattr(sp.SpendWriter, "_kept", lambda self, text: (
        Text(text) if isinstance(text, str) else real(self, text)))
    read_back = spy_on_read_back(monkeypatch)
    store = fresh_store(history)
    catch_up(history, LedgerProjection(store, history))
    assert stored(store) == reference
    texts = [i for i, c in enumerate(spends.columns) if c.name in ("element", "supplier",
                                                                      "reversal_reason")]
    with_text = {(pool, position) for pool, position, added in added_parts(reference)
                 if any(row[i] is not None for row in added[spends.name] for i in texts)}
    assert with_text and {(pool, upto) for pool, upto, _ in read_back} == with_text


def test_the_reference_path_is_taken_when_the_tee_is_off(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    read_back = spy_on_read_back(monkeypatch)
    reference = read_back_reference(history, monkeypatch)
    assert len(read_back) == len(reference)


def test_a_stale_tee_is_not_used_by_a_later_connection(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tee sits in the DBAPI connection's `info`, which outlives the batch's connection:
    a batch that died leaves it there, and another connection never takes it for its own."""
    store = fresh_store(history)
    with pytest.raises(Died):
        catch_up(history, Dying(store, history, die_at=10))
    with store.transaction() as conn:
        assert added_tee.added_tee(conn) is None


# -- each value spelled as the database gives it back ------------------------------------------

PLUS_0530 = timezone(timedelta(hours=5, minutes=30))


def awkward_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Rows of the added tables with values whose spelling depends on the backend."""
    at = datetime(2026, 5, 1, 23, 30, 0, 123456, tzinfo=PLUS_0530)  # another day in UTC
    whole = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)  # no microseconds
    text = "tab\tnew\nline back\\slash “quotes” ünï"
    return {
        "pb_spends": [
            ("X", "INV-1", "D1", "2026-27", 1234, date(2026, 5, 1), at, text, None, 5, 1,
             None, 0),
            ("X", "INV-2", "D1", "2026-27", -5, date(2026, 5, 2), whole, None, text, 6, True,
             text, False)],
        "pb_spend_allocations": [("X", "INV-1", "ASC", "2026-27", 1234, 0, 5),
                                 ("X", "INV-2", "ASC", "2026-27", 0, -5, 6)],
        "pb_forecast_movements": [("X", 5, "D1", "2026-27", at, 1234, -1234, "ASC:1234:0:-1234:0")],
        "pb_contribution_events": [("X", 7, "2026-27", "ASC", "received", 100, None, text,
                                    "R-1", date(2026, 5, 3), whole)],
        "pb_spend_reversals": [("X", "INV-2", "2026-27", text, at, 8)],
        "pb_sign_offs": [("X", 9, "D1", None, "2026-27", "ASC", "bh-asc", "approved", None,
                          None, at)],
        "pb_decision_order": [("X", "D1", "2026-27", 3)],
        "pb_outcome_payments": [("X", "INV-1", "D1", text, "2026-27", "EV-1", 2,
                                 date(2026, 5, 1), 5)],
    }


def store_at(db_url: str) -> ReadModelStore:
    """A read-model store in a fresh database (its schema made as a ledger makes it)."""
    prepare(database(db_url))
    return ReadModelStore.for_database(database(db_url))


def test_awkward_values_are_spelled_as_the_database_gives_them_back(db_url: str) -> None:
    """Times in another zone (SQLite keeps the wall clock, PostgreSQL the instant), times
    without microseconds, booleans given as 0/1, NULLs, text needing escapes."""
    store = store_at(db_url)
    with store.engine.connect() as conn:  # rolled back when closed
        tee = added_tee.AddedTee()
        tee.begin(conn, 0)
        for name, rows in awkward_rows().items():
            insert_rows(conn, ck.CHECKPOINTED[name], rows)
        teed = tee.rows("X", 0, 10)
        assert teed is not None and teed[0] == 0
        assert teed[1] == ck.read_back(conn, "X", 10, 0)
    store.close()


def test_a_time_without_a_zone_is_read_back_on_postgresql(db_url: str) -> None:
    """PostgreSQL reads it in the session's zone, which the tee does not guess; SQLite keeps
    it as it is, and the tee spells it so."""
    store = store_at(db_url)
    with store.engine.connect() as conn:  # rolled back when closed
        tee = added_tee.AddedTee()
        tee.begin(conn, 0)
        insert_rows(conn, ck.CHECKPOINTED["pb_decision_order"], [("X", "D1", "2026-27", 3)])
        insert_rows(conn, ck.CHECKPOINTED["pb_sign_offs"], [
            ("X", 4, "D1", None, "2026-27", "ASC", "bh-asc", "approved", 1, 2,
             datetime(2026, 5, 1, 12, 0))])
        teed = tee.rows("X", 0, 10)
        if conn.dialect.name == "postgresql":
            assert teed is None
        else:
            assert teed is not None and teed[1] == ck.read_back(conn, "X", 10, 0)
    store.close()


def test_a_tee_over_its_limit_forgets_pools_and_reads_back_what_they_held(
        history: LedgerApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond `LIMIT` rows held after a batch, the pools holding most are forgotten: their next
    checkpoint reads back its interval up to where that batch ended; the bytes are the same."""
    reference = read_back_reference(history, monkeypatch)
    monkeypatch.setattr(added_tee, "LIMIT", 20)
    read_back = spy_on_read_back(monkeypatch)
    store = fresh_store(history)
    catch_up(history, LedgerProjection(store, history), batch_size=37)
    assert stored(store) == reference
    whole = {(row[0], row[1]) for row in reference}
    assert read_back and not {(pool, upto) for pool, upto, _ in read_back} & whole  # in part
