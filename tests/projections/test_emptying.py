"""A rebuild empties the read models rather than dropping and making them (decision 0036): the
same rows result, and a read-model table with a trigger on it, or missing, is still dropped and
made anew, so nothing added to the tables can change what a rebuild writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from tests.read_model_dump import dump_pool

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.projections import live_store, rebuild
from pooledbudget.projections.bulk import raw_table_name
from pooledbudget.projections.tables import READ_MODEL_TABLES, spend_allocations, spends


@pytest.fixture
def ledger(db_url: str, scenario_dir: Path) -> Iterator[LedgerApplication]:
    app = open_ledger(db_url)
    lines = (scenario_dir / "family_recovery_pool.jsonl").read_text().splitlines()
    list(apply_lines(app, lines, use_command_time=True, allow_future_times=True))
    live_store(app)
    try:
        yield app
    finally:
        app.close()


def _counts(app: LedgerApplication) -> dict[str, int]:
    with live_store(app, follow=False).engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in READ_MODEL_TABLES}


def test_a_rebuild_writes_the_rows_a_first_build_wrote(ledger: LedgerApplication) -> None:
    store = live_store(ledger, follow=False)
    before, counts = dump_pool(store, None), _counts(ledger)
    assert counts[spends.name] > 0
    assert rebuild(ledger) == ledger.recorder.max_notification_id()
    assert dump_pool(live_store(ledger, follow=False), None) == before
    assert _counts(ledger) == counts


def _add_trigger(conn: Connection) -> None:
    """A trigger doubling every allocation's funded pence as it is written."""
    name = raw_table_name(conn, spend_allocations)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f"CREATE TRIGGER doubled AFTER INSERT ON {name} BEGIN UPDATE {name} SET "
            "funded_pence = funded_pence * 2 WHERE rowid = NEW.rowid; END")
    else:
        function = name.rsplit(".", 1)[0] + '."doubled"' if "." in name else '"doubled"'
        conn.exec_driver_sql(
            f"CREATE FUNCTION {function}() RETURNS trigger AS $$ BEGIN "
            "NEW.funded_pence := NEW.funded_pence * 2; RETURN NEW; END $$ LANGUAGE plpgsql")
        conn.exec_driver_sql(f"CREATE TRIGGER doubled BEFORE INSERT ON {name} "
                             f"FOR EACH ROW EXECUTE FUNCTION {function}()")


def _funded(app: LedgerApplication) -> Any:
    with live_store(app, follow=False).engine.connect() as conn:
        return conn.execute(select(func.sum(spend_allocations.c.funded_pence))).scalar_one()


def test_a_table_with_a_trigger_is_dropped_and_made_anew(ledger: LedgerApplication) -> None:
    funded = _funded(ledger)
    store = live_store(ledger, follow=False)
    with store.transaction() as conn:
        _add_trigger(conn)
    rebuild(ledger)
    assert _funded(ledger) == funded  # the trigger went with the table: nothing doubled
    rebuild(ledger)
    assert _funded(ledger) == funded


def test_a_missing_table_is_made_anew(ledger: LedgerApplication) -> None:
    counts = _counts(ledger)
    store = live_store(ledger, follow=False)
    with store.transaction() as conn:
        conn.exec_driver_sql(f"DROP TABLE {raw_table_name(conn, spend_allocations)}")
    rebuild(ledger)
    assert _counts(ledger) == counts
