"""Handlers: establishing and joining pools, contributions (R5–R8), closing a year (R17) and
sealing (R24)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from ... import commands as c
from ...aggregates.register import check_complete, check_entries
from ...aggregates.terms import Actor
from ...audit.seal import chain_state
from ...errors import StateError
from ..authority import Authority, entries
from ..dispatch import handles

if TYPE_CHECKING:
    from ...aggregates import Pool


class PoolHandlers(Authority):
    @handles("EstablishPool")
    def _establish_pool(self, cmd: c.EstablishPool, actor: Actor, at: datetime) -> list[Aggregate]:
        from ...aggregates import Pool, pool_uuid

        self._require_host_manager(cmd.host, actor)
        signatories = None if cmd.signatories is None else entries(cmd.signatories)
        if signatories is not None:  # the register before the state rules (R27, then R5)
            check_entries(signatories, [p.code for p in cmd.partners], cmd.host)
            check_complete(signatories, [p.code for p in cmd.partners], cmd.host, actor)
        if self._find(Pool, pool_uuid(cmd.pool_id), read_only=True) is not None:
            raise StateError(f"pool {cmd.pool_id!r} is already established (R5)",
                             field="pool_id", code="pool_exists", rule="R5")
        risk = cmd.risk_share
        risk_share: dict[str, Any] = {"rule": risk.rule}
        if risk.percentages is not None:
            risk_share["percentages"] = {k: format(v, "f") for k, v in risk.percentages.items()}
        if risk.caps is not None:
            risk_share["caps"] = {k: format(v, "f") for k, v in risk.caps.items()}
        return [Pool.establish(
            pool_id=cmd.pool_id, name=cmd.name, host=cmd.host,
            partners=[(p.code, p.name) for p in cmd.partners], first_year=cmd.first_year,
            risk_share=risk_share, actor=actor, at=at, signatories=signatories,
            two_signatures_above=cmd.two_signatures_above)]

    @handles("JoinPool")
    def _join_pool(self, cmd: c.JoinPool, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.from_year, field="from_year")
        pool.join(cmd.partner.code, cmd.partner.name, cmd.from_year, actor, at,
                  None if cmd.signatories is None else entries(cmd.signatories))
        return [pool]

    @handles("PledgeContribution")
    def _pledge(self, cmd: c.PledgeContribution, actor: Actor, at: datetime) -> list[Aggregate]:
        self._require_budget_holder(cmd.partner, actor)
        pool = self._signed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.year)
        pool.pledge(cmd.partner, cmd.year, cmd.amount, actor, at)
        return [pool]

    @handles("VaryContribution")
    def _vary(self, cmd: c.VaryContribution, actor: Actor, at: datetime) -> list[Aggregate]:
        self._require_budget_holder(cmd.partner, actor)
        pool = self._signed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.year)
        pool.vary(cmd.partner, cmd.year, cmd.amount, cmd.reason, actor, at)
        return [pool]

    @handles("ReceiveContribution")
    def _receive(self, cmd: c.ReceiveContribution, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        pool.ensure_open(cmd.year)
        pool.receive(cmd.partner, cmd.year, cmd.amount, cmd.received_on.isoformat(),
                     cmd.reference, actor, at)
        return [pool]

    @handles("CloseYear")
    def _close_year(self, cmd: c.CloseYear, actor: Actor, at: datetime) -> list[Aggregate]:
        from ...aggregates.closure import YearClosure

        pool = self._managed_pool(cmd.pool_id, actor)
        pool.close_year(cmd.year, actor, at)
        self._seal(pool, f"year {cmd.year} closed", actor, at)
        return [pool, YearClosure.close(cmd.pool_id, cmd.year, actor, at)]

    @handles("SealPool")
    def _seal_pool(self, cmd: c.SealPool, actor: Actor, at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        self._seal(pool, cmd.reason, actor, at)
        return [pool]

    def _seal(self, pool: Pool, reason: str, actor: Actor, at: datetime) -> None:
        """Seals every event of the pool recorded so far (R24)."""
        up_to, state = chain_state(self, pool.pool_id, since=pool.last_seal)
        pool.seal(up_to=up_to, events=state.events, heads=state.heads,
                  log_digest=state.log_digest, reason=reason, actor=actor, at=at)
