"""A catch-up's reading of the log (projections/log_reader.py): the events eventsourcing's
mapper gives, row for row, on SQLite (read as rows) and PostgreSQL (read as notifications),
ciphered or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.persistence import MapperDeserialisationError

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.persistence import CIPHER_KEY_VARIABLE, new_key
from pooledbudget.projections.log_reader import LogReader
from pooledbudget.projections.projector import wanted_topics


@pytest.fixture(params=["plain", "ciphered"])
def scenario(request: pytest.FixtureRequest, db_url: str, scenario_dir: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[LedgerApplication]:
    if request.param == "ciphered":
        monkeypatch.setenv(CIPHER_KEY_VARIABLE, new_key())
    ledger = open_ledger(db_url)
    lines = (scenario_dir / "family_recovery_pool.jsonl").read_text().splitlines()
    list(apply_lines(ledger, lines, use_command_time=True, allow_future_times=True))
    try:
        yield ledger
    finally:
        ledger.close()


def test_every_event_is_the_mappers(scenario: LedgerApplication) -> None:
    """Each wanted event read in batches is the mapper's: same class, same fields (its ids
    and timestamps of the same types), in the log's order; the unwanted topics are not read."""
    ledger, topics = scenario, wanted_topics()
    end = ledger.recorder.max_notification_id() or 0
    expected = [(n.id, ledger.mapper.to_domain_event(n)) for n in
                ledger.recorder.select_notifications(start=1, limit=end)
                if n.topic in topics]
    reader, read, start = LogReader(ledger), [], 0
    while rows := reader.rows(start, 7, end, topics):  # batches that end mid-aggregate
        read += [(row[0], reader.event(row)) for row in rows]
        start = rows[-1][0]
    assert len(read) == len(expected) > 50
    for (got_id, got), (want_id, want) in zip(read, expected, strict=True):
        assert got_id == want_id and type(got) is type(want)
        assert got.__dict__ == want.__dict__
        assert [type(v) for v in got.__dict__.values()] == [type(v) for v in want.__dict__.values()]
    assert reader.rows(start, 7, end, topics) == []


def test_a_row_it_cannot_decode_raises_the_mappers_error(scenario: LedgerApplication) -> None:
    """A damaged state is reported as the mapper reports it, naming the event."""
    ledger = scenario
    row = LogReader(ledger).rows(0, 1, 10, wanted_topics())[0]
    damaged = (row[0], row[1], row[2], row[3], row[4][:-5])
    with pytest.raises(MapperDeserialisationError, match=f"originator_version {row[2]}"):
        LogReader(ledger).event(damaged)


def test_no_topics_named_reads_every_topic(scenario: LedgerApplication) -> None:
    """As `select_notifications` does, an empty list of topics leaves none out."""
    ledger = scenario
    end = ledger.recorder.max_notification_id() or 0
    ids = [row[0] for row in LogReader(ledger).rows(0, end, end, ())]
    assert ids == [n.id for n in ledger.recorder.select_notifications(start=1, limit=end)]
