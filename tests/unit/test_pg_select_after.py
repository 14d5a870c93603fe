"""PostgreSQL's `select_after` (recorders/postgres_fast_reads.py), which brings a group's cached
aggregates up to date in one query: it returns exactly each aggregate's events after the version
given, in (aggregate, version) order, and reads them by the primary key, never by a scan of the
whole events table (which made every group's look-up grow with the log, decision 0037)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from conftest import FakeClock, pg_schema_url
from pooledbudget.application import open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.recorders.postgres_fast_reads import FEW

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.generator import PoolSpec, as_lines, generate  # noqa: E402


def _streams(ledger: Any) -> dict[UUID, list[tuple[int, str, bytes]]]:
    streams: dict[UUID, list[tuple[int, str, bytes]]] = {}
    for n in ledger.recorder.select_notifications(start=1, limit=1_000_000):
        streams.setdefault(n.originator_id, []).append(
            (n.originator_version, n.topic, bytes(n.state)))
    return streams


def test_select_after_returns_each_streams_newer_events_by_its_primary_key(
        request: pytest.FixtureRequest) -> None:
    lines = as_lines(generate(PoolSpec(pools=2, decisions=6, weeks=30), seed=5))
    with pg_schema_url(request) as url:
        ledger = open_ledger(url, clock=FakeClock())
        try:
            assert all(r["ok"] for r in apply_lines(ledger, lines, group_size=100))
            recorder = ledger.recorder
            streams = _streams(ledger)
            longest = sorted(streams, key=lambda key: -len(streams[key]))[:FEW + 8]
            # some wholly read, some partly, some with nothing newer
            after = [(key, [0, len(streams[key]) // 2, len(streams[key])][i % 3])
                     for i, key in enumerate(longest)]
            expected = sorted((key, version, topic, state) for key, since in after
                              for version, topic, state in streams[key] if version > since)
            got = [(e.originator_id, e.originator_version, e.topic, bytes(e.state))
                   for e in recorder.select_after(after)]
            assert got == expected and got

            table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
            for statistics in ("as the import left them", "analysed"):
                with recorder.datastore.get_connection() as conn:
                    if statistics == "analysed":
                        conn.execute(f"ANALYZE {table}")
                    plan = "\n".join(
                        str(next(iter(row.values()))) for row in conn.execute(
                            b"EXPLAIN " + recorder.select_after_statement.as_bytes(conn),
                            ([key for key, _ in after], [version for _, version in after]))
                        .fetchall())
                    conn.commit()
                assert recorder.events_table_name in plan, (statistics, plan)
                assert "Seq Scan" not in plan, (statistics, plan)
        finally:
            ledger.close()
