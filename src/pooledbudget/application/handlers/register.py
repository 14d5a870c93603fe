"""Handlers: the signatory register (R27, R28): adopted, added to, revoked from."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from ... import commands as c
from ...aggregates.terms import Actor
from ...errors import AuthorisationError
from ..authority import Authority, entries
from ..dispatch import handles


class RegisterHandlers(Authority):
    @handles("AdoptSignatoryRegister")
    def _adopt_register(self, cmd: c.AdoptSignatoryRegister, actor: Actor,
                        at: datetime) -> list[Aggregate]:
        pool = self._managed_pool(cmd.pool_id, actor)
        pool.adopt_register(entries(cmd.signatories), cmd.two_signatures_above, actor, at)
        return [pool]

    @handles("RegisterSignatory")
    def _register_signatory(self, cmd: c.RegisterSignatory, actor: Actor,
                            at: datetime) -> list[Aggregate]:
        entry = entries([cmd.signatory])[0]
        pool = self._register_keeper(cmd.pool_id, entry.role, entry.partner, actor)
        pool.register_signatory(entry, actor, at)
        return [pool]

    @handles("RevokeSignatory")
    def _revoke_signatory(self, cmd: c.RevokeSignatory, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        if actor["role"] not in ("pool_manager", "budget_holder"):
            raise AuthorisationError(f"{actor['role']}s do not change the register (R26)",
                                     field="actor")
        pool = self.pool(cmd.pool_id)
        entry = pool.signatory_entry(cmd.signatory_id)
        if entry is not None:
            self._register_keeper(cmd.pool_id, entry.role, entry.partner, actor)
        elif actor["role"] == "pool_manager":
            self._require_host_manager(pool.host, actor)
        pool.check_signatory(actor)
        pool.revoke_signatory(cmd.signatory_id, cmd.reason, actor, at)
        return [pool]
