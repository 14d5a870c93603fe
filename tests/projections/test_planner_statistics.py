"""A bulk load into the read models leaves PostgreSQL's planner statistics fresh (decision 0009):
reports right after a rebuild were planned for empty tables and ran about 10x slower."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import pg_schema_url
from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.projections import LedgerProjection, ReadModelStore, catch_up, rebuild
from pooledbudget.projections.tables import ROW_HEAVY_TABLES


@pytest.fixture
def pg_ledger(request: pytest.FixtureRequest,
              scenario_dir: Path) -> Iterator[tuple[LedgerApplication, str, str]]:
    """The worked scenario on a new PostgreSQL schema, its read models not yet built; with the
    server's address and the schema's name."""
    with pg_schema_url(request) as url:
        app = open_ledger(url)
        lines = (scenario_dir / "family_recovery_pool.jsonl").read_text().splitlines()
        list(apply_lines(app, lines, use_command_time=True, allow_future_times=True))
        base, schema = url.split("?schema=")
        try:
            yield app, base, schema
        finally:
            app.close()


def analysed(base: str, schema: str) -> dict[str, object]:
    """When each read-model table was last analysed on request (None: never)."""
    with psycopg.connect(base) as conn:
        rows = conn.execute("SELECT relname, last_analyze FROM pg_stat_user_tables "
                            "WHERE schemaname = %s AND relname LIKE 'pb\\_%%'", (schema,))
        return dict(rows.fetchall())


def test_a_first_build_and_a_rebuild_analyse_the_row_heavy_read_models(
    pg_ledger: tuple[LedgerApplication, str, str],
) -> None:
    ledger, base, schema = pg_ledger
    assert all(when is None for when in analysed(base, schema).values())
    store = ReadModelStore.for_database(ledger.database)  # type: ignore[arg-type]
    assert catch_up(ledger, LedgerProjection(store, ledger)) > 0
    first = analysed(base, schema)
    assert {"pb_spends", "pb_spend_allocations", "pb_forecast_movements"} <= set(first)
    assert all(first[t.name] is not None for t in ROW_HEAVY_TABLES), first
    assert rebuild(ledger) > 0  # drops the tables: their statistics go with them
    again = analysed(base, schema)
    assert all(again[t.name] is not None for t in ROW_HEAVY_TABLES), again
    store.close()


def test_a_small_catch_up_onto_built_read_models_leaves_statistics_to_autovacuum(
    pg_ledger: tuple[LedgerApplication, str, str],
) -> None:
    ledger, base, schema = pg_ledger
    wanted = [n for n in ledger.recorder.select_notifications(start=1, limit=100_000)
              if LedgerProjection.wants(n.topic)]
    until = ledger.mapper.to_domain_event(wanted[-5]).timestamp  # type: ignore[attr-defined]
    store = ReadModelStore.for_database(ledger.database)  # type: ignore[arg-type]
    projection = LedgerProjection(store, ledger)
    assert catch_up(ledger, projection, until=until) > 0  # a first build: analysed
    before = analysed(base, schema)
    assert catch_up(ledger, projection) >= 1  # the last few events
    assert analysed(base, schema) == before
    store.close()
