"""A reading command opens a PostgreSQL ledger with few connections (each one a server process,
about a fiftieth of a small report's whole time): the connection that finds the ledger also
holds the setup lock, and eventsourcing's pool starts with one connection, not five, unless
`$POSTGRES_POOL_SIZE` says otherwise. Nothing else about opening changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from conftest import pg_schema_url
from pooledbudget.application import open_ledger
from pooledbudget.errors import DatabaseNotFoundError
from pooledbudget.opening import open_existing


@pytest.fixture(scope="module")
def pg_ledger(request: pytest.FixtureRequest) -> Iterator[str]:
    with pg_schema_url(request) as url:
        open_ledger(url).close()
        yield url


def _connects(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every `psycopg.connect` this process makes from here on (eventsourcing's pool connects
    through its connection class, and is counted by its size instead)."""
    made: list[dict[str, Any]] = []
    connect = psycopg.connect

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs)
        return connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counting)
    return made


def test_opening_to_read_connects_once_besides_the_pool(pg_ledger: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding the ledger and holding the setup lock share one connection; the pool opens
    with one."""
    monkeypatch.delenv("POSTGRES_POOL_SIZE", raising=False)
    made = _connects(monkeypatch)
    ledger = open_existing(pg_ledger)
    try:
        assert len(made) == 1
        assert ledger.recorder.datastore.pool.min_size == 1  # type: ignore[attr-defined]
        assert ledger.recorder.max_notification_id() is None  # read through the pool: empty
    finally:
        ledger.close()


def test_the_pool_size_variable_still_rules(pg_ledger: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_POOL_SIZE", "3")
    ledger = open_existing(pg_ledger)
    try:
        assert ledger.recorder.datastore.pool.min_size == 3  # type: ignore[attr-defined]
    finally:
        ledger.close()


def test_a_schema_without_a_ledger_is_still_refused_and_left_alone(
        pg_ledger: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check moved onto the lock's connection still refuses a schema holding no ledger,
    before anything is made there."""
    url = pg_ledger.split("?")[0] + "?schema=no_ledger_here"
    made = _connects(monkeypatch)
    with pytest.raises(DatabaseNotFoundError, match="no ledger in schema 'no_ledger_here'"):
        open_existing(url)
    assert len(made) == 1
    with psycopg.connect(pg_ledger.split("?")[0], autocommit=True) as conn:
        found = conn.execute("SELECT to_regnamespace('no_ledger_here')").fetchone()
    assert found == (None,)
