"""Shared fixtures: hypothesis profiles, a clock, a fresh ledger, the worked scenario."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, settings

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.logs import configure_logging

configure_logging("off")  # tests that check log lines configure their own

settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parents[1]
SHARED_SCENARIOS = REPO.parent / "shared" / "scenarios"
PACKAGED_SCENARIOS = REPO / "src" / "pooledbudget" / "scenarios"
SCENARIO_COPIES = REPO / "tests" / "scenarios" / "data"


class FakeClock:
    """A recording clock the tests move by hand."""

    def __init__(self, start: datetime = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "postgresql"])
def ledger(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[LedgerApplication]:
    """A fresh ledger on each backend: a private in-memory SQLite database, or a new schema on
    the PostgreSQL server named by `POOLEDBUDGET_TEST_PG_URL` (dropped afterwards)."""
    if request.param == "memory":
        app = open_ledger("memory://", clock=clock)
        yield app
        app.close()
        return
    with pg_schema_url(request) as url:
        app = open_ledger(url, clock=clock)
        try:
            yield app
        finally:
            app.close()


@pytest.fixture
def scenario_dir() -> Path:
    """The shared worked scenario beside the repository, or the repository's copy of it where that
    is absent (a clean clone elsewhere); a test checks the copies are identical whenever both exist."""
    return SHARED_SCENARIOS if SHARED_SCENARIOS.is_dir() else SCENARIO_COPIES


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each backend: a SQLite file, or a new schema on the PostgreSQL server
    named by `POOLEDBUDGET_TEST_PG_URL` (dropped afterwards). Under CI the server must be there."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    with pg_schema_url(request) as url:
        yield url


def pg_base_url(request: pytest.FixtureRequest) -> str:
    """The test server's URL; without one the test fails under CI (`CI` set to anything) and
    skips elsewhere."""
    base = os.environ.get("POOLEDBUDGET_TEST_PG_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("POOLEDBUDGET_TEST_PG_URL is unset: under CI the PostgreSQL tests must run")
        pytest.skip("no PostgreSQL: set POOLEDBUDGET_TEST_PG_URL (see README); never skipped in CI")
    return base


@contextmanager
def pg_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL naming a new schema on the test server, dropped (with its tables) afterwards."""
    import psycopg

    base = pg_base_url(request)
    schema = f"test_{uuid4().hex[:12]}"
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI nothing may skip (a PostgreSQL test that skipped would prove nothing): any skip
    fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"FAIL: {len(reporter.stats['skipped'])} test(s) skipped under CI",
                            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
