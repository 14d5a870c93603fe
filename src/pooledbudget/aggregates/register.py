"""A pool's signatory register: its scheme of delegation (R27-R31).

Kept in the pool's own stream, beside the partners it names: a register has tens of entries and
changes a few times a year, and the pool is loaded by every command anyway, so checking an actor
against it costs no extra read however long the pool's history grows (decision 0016).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import LimitError, StateError
from ..money import Money
from .terms import Actor

ROLES = ("pool_manager", "budget_holder", "auditor")


@dataclass(frozen=True, slots=True)
class Entry:
    """One active entry: an officer's id, the partner they act for, their role, and for a
    budget holder the most they may sign for (None: unlimited)."""

    id: str
    partner: str
    role: str
    limit: Money | None
    registered_at: datetime | None = None
    registered_by: str | None = None

    @classmethod
    def decode(cls, data: dict[str, Any], at: datetime | None = None,
               by: str | None = None) -> Entry:
        limit = data.get("limit")
        return cls(data["id"], data["partner"], data["role"],
                   None if limit is None else Money.of(limit), at, by)

    def encode(self) -> dict[str, Any]:
        return {"id": self.id, "partner": self.partner, "role": self.role,
                "limit": None if self.limit is None else str(self.limit)}

    def covers(self, limit: Money | None) -> bool:
        """Whether this entry's own limit is at least `limit` (None counts as unlimited)."""
        return self.limit is None or (limit is not None and limit <= self.limit)


def _register_error(message: str, field: str, code: str, rule: str = "R27") -> StateError:
    return StateError(message, field=field, code=code, rule=rule)


class Register:
    """The active entries by id, and the two-signature threshold set with the register."""

    def __init__(self, two_signatures_above: Money | None, adopted_at: datetime) -> None:
        self.two_signatures_above = two_signatures_above
        self.adopted_at = adopted_at
        self.active: dict[str, Entry] = {}

    def add(self, entry: Entry) -> None:
        self.active[entry.id] = entry

    def remove(self, signatory_id: str) -> None:
        self.active.pop(signatory_id, None)

    def entries(self) -> list[Entry]:
        return list(self.active.values())

    # -- R27: every actor is an active entry ---------------------------------------------------

    def check_actor(self, actor: Actor) -> Entry:
        """The actor's active entry, with exactly the id, partner and role it claims (R27)."""
        entry = self.active.get(actor["id"])
        if entry is None:
            raise _register_error(
                f"{actor['id']} is not an active signatory of this pool's register (R27)",
                "actor.id", "not_a_signatory")
        if entry.partner != actor["partner"] or entry.role != actor["role"]:
            raise _register_error(
                f"{actor['id']} is registered as {entry.role} of {entry.partner}, not "
                f"{actor['role']} of {actor['partner']} (R27)", "actor", "not_a_signatory")
        return entry

    # -- R28: changing the register -----------------------------------------------------------

    def check_registration(self, entry: Entry, actor: Actor) -> None:
        if entry.id == actor["id"]:
            raise _register_error("nobody registers their own entry (R28)", "signatory.id",
                                  "own_entry", "R28")
        if entry.id in self.active:
            raise _register_error(f"{entry.id} already holds an active entry (R28)",
                                  "signatory.id", "already_registered", "R28")
        self._check_delegation(entry, actor, "signatory.limit")

    def check_revocation(self, signatory_id: str, actor: Actor) -> Entry:
        entry = self.active.get(signatory_id)
        if entry is None:
            raise _register_error(f"{signatory_id} holds no active entry to revoke (R28)",
                                  "signatory_id", "not_active", "R28")
        if entry.id == actor["id"]:
            raise _register_error("nobody revokes their own entry (R28)", "signatory_id",
                                  "own_entry", "R28")
        self._check_delegation(entry, actor, "signatory_id")
        others = [e for e in self.active.values() if e.id != entry.id]
        if entry.role == "budget_holder" and entry.limit is None and not any(
                e.role == "budget_holder" and e.partner == entry.partner and e.limit is None
                for e in others):
            raise _register_error(f"{entry.id} is the last budget holder of {entry.partner} "
                                  "without a limit (R28)", "signatory_id",
                                  "last_unlimited_budget_holder", "R28")
        if entry.role == "pool_manager" and not any(e.role == "pool_manager" for e in others):
            raise _register_error(f"{entry.id} is the last pool manager (R28)", "signatory_id",
                                  "last_pool_manager", "R28")
        return entry

    def _check_delegation(self, entry: Entry, actor: Actor, field: str) -> None:
        """Nobody delegates more than they hold (R28)."""
        if entry.role != "budget_holder":
            return
        own = self.active.get(actor["id"])
        if own is not None and not own.covers(entry.limit):
            held = "unlimited" if entry.limit is None else f"limited to {entry.limit}"
            raise _register_error(
                f"{actor['id']}'s own limit {own.limit} is below the entry's ({held}): nobody "
                "delegates more than they hold (R28)", field, "exceeds_own_limit", "R28")


def check_entries(entries: Iterable[Entry], partners: list[str], host: str,
                  field: str = "signatories") -> None:
    """Each entry well formed for this pool (R27: `invalid_entry`), each id once."""
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{field}.{i}" if field == "signatories" else field
        if entry.partner not in partners:
            raise _register_error(f"{entry.id}'s partner {entry.partner} is not a partner of "
                                  "the pool (R27)", f"{where}.partner", "invalid_entry")
        if entry.role == "pool_manager" and entry.partner != host:
            raise _register_error(f"a pool manager acts for the host {host}, not "
                                  f"{entry.partner} (R27)", f"{where}.partner", "invalid_entry")
        if entry.limit is not None and entry.role != "budget_holder":
            raise _register_error(f"only a budget holder has a limit; {entry.id} is "
                                  f"{entry.role} (R27)", f"{where}.limit", "invalid_entry")
        if entry.id in seen:
            raise _register_error(f"{entry.id} is listed twice: an id holds at most one "
                                  "active entry (R27)", f"{where}.id", "invalid_entry")
        seen.add(entry.id)


def check_complete(entries: list[Entry], partners: list[str], host: str,
                   actor: Actor | None) -> None:
    """A register given whole names a pool manager of the host, an unlimited budget holder of
    every partner, and the actor giving it among the pool managers (R27)."""
    if actor is not None and not any(
            e.id == actor["id"] and e.role == "pool_manager" and e.partner == host
            for e in entries):
        raise _register_error(f"the register must list {actor['id']}, who gives it, as a pool "
                              f"manager of {host} (R27)", "signatories", "register_incomplete")
    if not any(e.role == "pool_manager" for e in entries):
        raise _register_error(f"the register lists no pool manager of {host} (R27)",
                              "signatories", "register_incomplete")
    check_budget_holders(entries, partners)


def check_budget_holders(entries: list[Entry], partners: list[str]) -> None:
    for code in partners:
        if not any(e.partner == code and e.role == "budget_holder" and e.limit is None
                   for e in entries):
            raise _register_error(f"the register lists no budget holder of {code} without a "
                                  "limit (R27)", "signatories", "register_incomplete")


def check_limit(amount: Money, entry: Entry | None, field: str = "partner") -> None:
    """R29: a budget holder signs only for an amount within their limit (equal passes)."""
    if entry is None or entry.limit is None or amount <= entry.limit:
        return
    raise LimitError(f"{entry.id}'s limit is {entry.limit}, below the {amount} "
                     f"{entry.partner} signs for here (R29)", field=field, code="over_limit",
                     rule="R29")
