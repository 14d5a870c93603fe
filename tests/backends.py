"""Where the hypothesis suites open their ledgers: in memory by default, or on PostgreSQL.

Property and stateful tests open a fresh ledger per example. With
`POOLEDBUDGET_PROPERTY_BACKEND=postgresql` each example gets a new schema on the server named by
`POOLEDBUDGET_TEST_PG_URL` (use a throwaway one: the schemas are left behind). CI does not do this:
under the `ci` profile it took over 12 minutes (a schema and its tables per example), past the
suite's 10-minute budget; PostgreSQL is covered there by the unit, scenario, projection, audit and
concurrency tests.
"""

from __future__ import annotations

import os
from uuid import uuid4

BACKEND_VARIABLE = "POOLEDBUDGET_PROPERTY_BACKEND"


def ledger_url() -> str:
    backend = os.environ.get(BACKEND_VARIABLE, "memory")
    if backend == "memory":
        return "memory://"
    if backend != "postgresql":
        raise ValueError(f"{BACKEND_VARIABLE} is memory or postgresql, not {backend!r}")
    base = os.environ.get("POOLEDBUDGET_TEST_PG_URL")
    if not base:
        raise RuntimeError(f"{BACKEND_VARIABLE}=postgresql needs POOLEDBUDGET_TEST_PG_URL")
    return f"{base}?schema=prop_{uuid4().hex[:16]}"
