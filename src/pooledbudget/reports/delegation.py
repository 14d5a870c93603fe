"""The scheme of delegation as reported: the register (R27) and every sign-off (R29, R30).

The register is read from the pool's own stream, replayed up to the time asked for: a few
events a year, and nothing an editable table could change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from ..aggregates.register import ROLES
from ..application import LedgerApplication
from ..errors import StateError
from ..money import from_pence
from ..projections.tables import sign_offs

if TYPE_CHECKING:
    from ..aggregates import Pool
    from .models import SignatoriesReport, SignOffsReport


def pool_as_at(ledger: LedgerApplication, pool_id: str, as_at: datetime | None) -> Pool:
    """The pool aggregate as its events up to `as_at` (None: all) left it."""
    from ..aggregates import Pool, pool_uuid

    pool: Any = None
    event: Any
    for event in ledger.events.get(pool_uuid(pool_id)):
        if as_at is not None and event.timestamp > as_at:
            break
        pool = event.mutate(pool)
    if not isinstance(pool, Pool):
        raise StateError(f"no pool {pool_id!r} (as the ledger stood then)", field="pool",
                         code="pool_not_found", rule="R5")
    return pool


def signatories_report(ledger: LedgerApplication, pool_id: str,
                       as_at: datetime | None) -> SignatoriesReport:
    from .models import SignatoriesReport, SignatoryRow

    pool = pool_as_at(ledger, pool_id, as_at)
    label = None if as_at is None else as_at.isoformat()
    register = pool.register
    if register is None:
        return SignatoriesReport(pool=pool_id, as_at=label, verified=False,
                                 two_signatures_above=None, signatories=[])
    order = {code: i for i, code in enumerate(pool.partner_order)}
    entries = sorted(register.entries(),
                     key=lambda e: (order.get(e.partner, len(order)), ROLES.index(e.role), e.id))
    threshold = register.two_signatures_above
    return SignatoriesReport(
        pool=pool_id, as_at=label, verified=True,
        two_signatures_above=None if threshold is None else f"{threshold:.2f}",
        signatories=[SignatoryRow(
            id=e.id, partner=e.partner, role=e.role,
            limit=None if e.limit is None else f"{e.limit:.2f}",
            registered_at=None if e.registered_at is None else e.registered_at.isoformat(),
            registered_by=e.registered_by) for e in entries])


def sign_offs_report(conn: Connection, pool_id: str, year: str, as_at: str | None,
                     verified: bool) -> SignOffsReport:
    from .models import SignOff, SignOffsReport

    rows = conn.execute(select(sign_offs).where(sign_offs.c.pool_id == pool_id,
                                                sign_offs.c.year == year)
                        .order_by(sign_offs.c.sequence))
    return SignOffsReport(pool=pool_id, year=year, as_at=as_at, verified=verified, sign_offs=[
        SignOff(decision_id=r.decision_id, variation_id=r.variation_id, partner=r.partner,
                actor=r.actor, outcome=r.outcome,
                amount=None if r.amount_pence is None else str(from_pence(r.amount_pence)),
                limit=None if r.limit_pence is None else str(from_pence(r.limit_pence)),
                recorded_at=_iso(r.recorded_at))
        for r in rows])


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
