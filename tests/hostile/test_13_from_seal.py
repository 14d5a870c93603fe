"""An insider with the database against `verify --from-seal`: history before the seal rewritten
so well that a full verify says ok. The auditor holds the seal's digest; it must not pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.aggregates import Pool, pool_uuid
from pooledbudget.application import open_ledger
from pooledbudget.audit.verify import verify
from tests.audit.test_seals import seal_cmd
from tests.conftest import FakeClock, pg_schema_url
from tests.unit.helpers import approved_decision, run, setup_pool, spend_cmd

from .support import cli
from .tampering import Database


def _history(url: str, first_amount: str) -> str:
    """Pool P: D1 with three spends (the first of `first_amount`), sealed, then three more.
    The clock is the same fake one each time: two histories differ only by that amount.
    Returns the seal's digest."""
    app = open_ledger(url, clock=FakeClock())
    try:
        setup_pool(app)
        approved_decision(app)
        for i, amount in enumerate((first_amount, "10.00", "10.00")):
            run(app, spend_cmd("D1", f"INV-A{i}", amount))
        run(app, seal_cmd())
        digest: str = [e for e in app.events.get(pool_uuid("P"))
                       if isinstance(e, Pool.Sealed)][-1].hash
        for i in range(3):
            run(app, spend_cmd("D1", f"INV-B{i}", "10.00"))
    finally:
        app.close()
    return digest


@pytest.fixture
def forged_url(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same backend as `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'forged.db'}"
        return
    with pg_schema_url(request) as url:
        yield url


def test_a_history_rebuilt_with_a_forged_spend_loses_the_held_digest(
        db_url: str, forged_url: str, capsys: Any) -> None:
    """Every chain, link, index row and seal recomputed over a forged first spend: a full
    verify of the forgery says ok, but its seal has another digest, so `--from-seal` with the
    one the auditor holds cannot start (exit 2, nothing claimed)."""
    held = _history(db_url, "10.00")
    forged = _history(forged_url, "900.00")
    assert forged != held
    app = open_ledger(forged_url)
    try:
        assert verify(app).ok  # the forgery is internally perfect
    finally:
        app.close()
    code, out, err = cli(capsys, "verify", "--db", forged_url, "--no-progress",
                         "--from-seal", held)
    assert (code, out) == (2, "")
    assert "no seal and no head" in err


def test_the_held_seal_transplanted_onto_a_rebuilt_history_is_named(
        db_url: str, forged_url: str) -> None:
    """The same forgery, with the honest seal's stored row copied over the forged seal's so
    the held digest is found: the seal check names the sealed stream that no longer ends
    where the seal recorded."""
    held = _history(db_url, "10.00")
    _history(forged_url, "900.00")
    honest, forgery = Database(db_url), Database(forged_url)
    [(row_id, _, _, _)] = honest.events("pooledbudget:PoolSealed")
    [(state,)] = honest.rows("SELECT state FROM stored_events WHERE {id} = ?", (row_id,))
    [(forged_id, _, _, _)] = forgery.events("pooledbudget:PoolSealed")
    assert forged_id == row_id
    forgery.run("UPDATE stored_events SET state = ? WHERE {id} = ?", (bytes(state), forged_id))
    app = open_ledger(forged_url)
    try:
        result = verify(app, from_seal=held)
        full = verify(app)
    finally:
        app.close()
    assert not result.ok and result.first_bad is not None
    assert result.first_bad["problem"].startswith("a sealed stream's last event is not stored")
    assert not full.ok
