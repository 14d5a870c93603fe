"""Authority (R26): who may do what, checked before the state rules; with the register, the
signer vouched for (R27) and their limits (R28)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import aggregates
from .. import commands as c
from ..aggregates.register import Entry
from ..aggregates.terms import Actor
from ..errors import AuthorisationError
from ..money import Money
from .cache import AggregateCache
from .loading import Loading

if TYPE_CHECKING:
    from ..aggregates import Decision, Pool


class Authority(Loading, AggregateCache):
    @staticmethod
    def _require_pool_manager(actor: Actor) -> None:
        """The role alone, checked before the pool is even looked up (R26 comes before R5)."""
        if actor["role"] != "pool_manager":
            raise _refused("a pool manager of the host", actor)

    @staticmethod
    def _require_host_manager(host: str, actor: Actor) -> None:
        if actor["role"] != "pool_manager" or actor["partner"] != host:
            raise _refused(f"a pool manager of the host {host}", actor)

    @staticmethod
    def _require_budget_holder(partner: str, actor: Actor) -> None:
        if actor["role"] != "budget_holder" or actor["partner"] != partner:
            raise _refused(f"a budget holder of {partner}", actor)

    def _managed_pool(self, pool_id: str, actor: Actor, *, read_only: bool = False) -> Pool:
        self._require_pool_manager(actor)
        pool = self.pool(pool_id, read_only=read_only)
        self._require_host_manager(pool.host, actor)
        pool.check_signatory(actor)
        return pool

    def _signed_pool(self, pool_id: str, actor: Actor, *, read_only: bool = False) -> Pool:
        """The pool, its register (if any) vouching for the actor (R27, after R26)."""
        pool = self.pool(pool_id, read_only=read_only)
        pool.check_signatory(actor)
        return pool

    def _register_keeper(self, pool_id: str, role: str, partner: str, actor: Actor) -> Pool:
        """R26 for register changes: a budget holder's entry by a budget holder of its partner,
        any other by a pool manager of the host; then R27 on the actor."""
        if role == "budget_holder":
            self._require_budget_holder(partner, actor)
            return self._signed_pool(pool_id, actor)
        return self._managed_pool(pool_id, actor)

    def _open_decision(self, pool_id: str, decision_id: str, rule: str,
                       manager: Actor | None = None, actor: Actor | None = None
                       ) -> tuple[Pool, Decision]:
        """Authority first (R26; `manager` must be a pool manager of the host), then the
        decision, then its year still open (R17)."""
        if self._group() is None:
            self._local.current = self._up_to_date(
                [aggregates.pool_uuid(pool_id), aggregates.decision_uuid(pool_id, decision_id)])
        if manager is not None:
            pool = self._managed_pool(pool_id, manager, read_only=True)
        elif actor is not None:
            pool = self._signed_pool(pool_id, actor, read_only=True)
        else:
            pool = self.pool(pool_id, read_only=True)
        decision = self._decision(pool_id, decision_id, rule)
        pool.ensure_open(decision.year)
        return pool, decision

    def _answered_decision(self, cmd: Any, actor: Actor, rule: str) -> tuple[Pool, Decision]:
        """A budget holder answering for their partner (R26), vouched for by the register if
        there is one (R27), on a decision of an open year."""
        self._require_budget_holder(cmd.partner, actor)
        return self._open_decision(cmd.pool_id, cmd.decision_id, rule, actor=actor)


def entries(signatories: Sequence[c.Signatory]) -> list[Entry]:
    return [Entry(s.id, s.partner, s.role, s.limit)
            for s in signatories]


def authority(pool: Pool, actor: Actor) -> tuple[Entry | None, Money | None]:
    """The signer's register entry and the two-signature threshold (None, None without a
    register: authority is then only what the command says, R26)."""
    if pool.register is None:
        return None, None
    return pool.register.active.get(actor["id"]), pool.register.two_signatures_above


def _refused(who: str, actor: Actor) -> AuthorisationError:
    """R26's refusal: who may do this, and who the actor is."""
    return AuthorisationError(f"only {who} may do this; {actor['id']} is {actor['role']} of "
                              f"{actor['partner']} (R26)", field="actor")
