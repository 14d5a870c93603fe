"""The pool: its partners, host, risk-share rule, contributions by year, and closed years.

Its stream holds only a handful of events per partner and year, so loading it stays cheap however
much is spent through the pool (decisions and spend live in their own streams).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate

from ..errors import LimitError, StateError, YearClosedError
from ..money import Money
from .chain import ChainedAggregate
from .ids import NAMESPACE as NAMESPACE  # re-exported: the ids moved to ids.py
from .ids import pool_uuid as pool_uuid
from .register import Entry, Register, check_budget_holders, check_complete, check_entries
from .terms import Actor


class Pool(ChainedAggregate):
    TOPIC = "pooledbudget:Pool"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:Pool.Event"

    class Established(Event, Aggregate.Created):
        TOPIC = "pooledbudget:PoolEstablished"
        pool_id: str
        name: str
        host: str
        partners: list[dict[str, str]]
        first_year: str
        risk_share: dict[str, Any]
        actor: Actor

    class PartnerJoined(Event):
        TOPIC = "pooledbudget:PartnerJoined"
        partner: str
        name: str
        from_year: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.partners.append(
                {"code": self.partner, "name": self.name, "from_year": self.from_year}
            )

    class ContributionPledged(Event):
        TOPIC = "pooledbudget:ContributionPledged"
        partner: str
        year: str
        amount: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.agreed.setdefault(self.year, {})[self.partner] = Decimal(self.amount)

    class ContributionVaried(Event):
        TOPIC = "pooledbudget:ContributionVaried"
        partner: str
        year: str
        amount: str
        previous_amount: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.agreed[self.year][self.partner] = Decimal(self.amount)

    class ContributionReceived(Event):
        TOPIC = "pooledbudget:ContributionReceived"
        partner: str
        year: str
        amount: str
        received_on: str
        reference: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            received = aggregate.received.setdefault(self.year, {})
            received[self.partner] = received.get(self.partner, Decimal(0)) + Decimal(self.amount)

    class YearClosed(Event):
        TOPIC = "pooledbudget:YearClosed"
        year: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.closed_years.append(self.year)

    class Sealed(Event):
        """The chain heads of every aggregate of the pool up to a log position (R24): a later
        deletion, truncation or rewrite of anything sealed no longer matches. Its `hash` is the
        seal digest an auditor writes down."""

        TOPIC = "pooledbudget:PoolSealed"
        pool_id: str
        up_to: int
        events: int
        heads: dict[str, list[Any]]
        log_digest: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.last_seal = {"up_to": self.up_to, "events": self.events,
                                   "heads": self.heads, "log_digest": self.log_digest}

    class RegisterAdopted(Event):
        """Authority is verified from here on against these entries (R27)."""

        TOPIC = "pooledbudget:SignatoryRegisterAdopted"
        signatories: list[dict[str, Any]]
        two_signatures_above: str | None
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            threshold = self.two_signatures_above
            aggregate.register = Register(None if threshold is None else Money.of(threshold),
                                          self.timestamp)
            for data in self.signatories:
                aggregate.register.add(Entry.decode(data, self.timestamp, self.actor["id"]))

    class SignatoryRegistered(Event):
        TOPIC = "pooledbudget:SignatoryRegistered"
        signatory: dict[str, Any]
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.register.add(Entry.decode(self.signatory, self.timestamp, self.actor["id"]))

    class SignatoryRevoked(Event):
        TOPIC = "pooledbudget:SignatoryRevoked"
        signatory_id: str
        reason: str
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            aggregate.register.remove(self.signatory_id)

    def __init__(
        self,
        pool_id: str,
        name: str,
        host: str,
        partners: list[dict[str, str]],
        first_year: str,
        risk_share: dict[str, Any],
        actor: Actor,
    ) -> None:
        self.pool_id = pool_id
        self.name = name
        self.host = host
        self.partners = [dict(p) for p in partners]
        self.first_year = first_year
        self.risk_share = risk_share
        self.agreed: dict[str, dict[str, Decimal]] = {}
        self.received: dict[str, dict[str, Decimal]] = {}
        self.closed_years: list[str] = []
        self.last_seal: dict[str, Any] | None = None  # where the next seal's scan starts
        self.register: Register | None = None  # none: authority is what commands claim (R26)

    # -- creation -----------------------------------------------------------------------------

    @classmethod
    def establish(
        cls,
        *,
        pool_id: str,
        name: str,
        host: str,
        partners: list[tuple[str, str]],
        first_year: str,
        risk_share: dict[str, Any],
        actor: Actor,
        at: datetime,
        signatories: list[Entry] | None = None,
        two_signatures_above: Money | None = None,
    ) -> Pool:
        """R5: at least two partners, each once, the host among them; risk terms name partners.
        A register given at birth is checked first (R27 comes before the state rules)."""
        codes = [code for code, _ in partners]
        if signatories is not None:
            check_entries(signatories, codes, host)
            check_complete(signatories, codes, host, actor)
        if len(set(codes)) != len(codes):
            raise StateError("a partner is listed twice", field="partners",
                             code="duplicate_partner", rule="R5")
        if len(codes) < 2:
            raise StateError("a pool needs at least two partners", field="partners",
                             code="too_few_partners", rule="R5")
        if host not in codes:
            raise StateError(f"the host {host} is not among the partners", field="host",
                             code="host_not_partner", rule="R5")
        for key, rule in (("percentages", "R3"), ("caps", "R5")):
            named = risk_share.get(key) or {}
            unknown = [code for code in named if code not in codes]
            if unknown:
                raise StateError(
                    f"risk_share.{key} names {', '.join(unknown)}, not a partner ({rule})",
                    field=f"risk_share.{key}", code="risk_share_names_non_partner", rule=rule,
                )
        pool = cls._create(
            cls.Established,
            id=pool_uuid(pool_id),
            timestamp=at,
            pool_id=pool_id,
            name=name,
            host=host,
            partners=[{"code": c, "name": n, "from_year": first_year} for c, n in partners],
            first_year=first_year,
            risk_share=risk_share,
            actor=actor,
        )
        if signatories is not None:
            pool._adopt(signatories, two_signatures_above, actor, at)
        return pool

    # -- queries ------------------------------------------------------------------------------

    @property
    def partner_order(self) -> list[str]:
        """Partner codes in agreement order (ties in R4 are broken by it)."""
        return [p["code"] for p in self.partners]

    def members(self, year: str) -> list[str]:
        """Partners of the pool in `year`, in agreement order."""
        return [p["code"] for p in self.partners if p["from_year"] <= year]

    def is_closed(self, year: str) -> bool:
        return year in self.closed_years

    def ensure_open(self, year: str, field: str = "year") -> None:
        if self.is_closed(year):
            raise YearClosedError(f"year {year} is closed: nothing more is recorded in it (R17)",
                                  field=field)

    def ensure_year_in_pool(self, year: str, field: str = "year") -> None:
        if year < self.first_year:
            raise StateError(f"the pool starts in {self.first_year}, not {year} (R5)",
                             field=field, code="year_before_pool", rule="R5")

    def ensure_member(self, partner: str, year: str, field: str = "partner") -> None:
        self.ensure_year_in_pool(year)
        if partner not in self.members(year):
            raise StateError(f"{partner} is not a partner of the pool in {year} (R5)",
                             field=field, code="not_a_partner", rule="R5")

    def agreed_amount(self, partner: str, year: str) -> Decimal | None:
        return self.agreed.get(year, {}).get(partner)

    def received_amount(self, partner: str, year: str) -> Decimal:
        return self.received.get(year, {}).get(partner, Decimal(0))

    # -- commands -----------------------------------------------------------------------------

    def join(self, partner: str, name: str, from_year: str, actor: Actor, at: datetime,
             signatories: list[Entry] | None = None) -> None:
        """R5; in a pool with a register, the new partner's officers come with it (R27)."""
        if self.register is None and signatories is not None:
            raise _no_register("signatories")
        if self.register is not None:
            entries = signatories or []
            check_entries(entries, [partner], self.host)
            for i, entry in enumerate(entries):
                if entry.id in self.register.active:
                    raise StateError(f"{entry.id} already holds an active entry (R27)",
                                     field=f"signatories.{i}.id", code="invalid_entry",
                                     rule="R27")
            check_budget_holders(entries, [partner])
        if partner in self.partner_order:
            raise StateError(f"{partner} is already a partner of the pool (R5)",
                             field="partner.code", code="already_a_partner", rule="R5")
        self.ensure_year_in_pool(from_year, field="from_year")
        self.trigger_event(self.PartnerJoined, timestamp=at, partner=partner, name=name,
                           from_year=from_year, actor=actor)
        for entry in signatories or []:
            self.trigger_event(self.SignatoryRegistered, timestamp=at, signatory=entry.encode(),
                               actor=actor)

    # -- the signatory register (R27, R28) ----------------------------------------------------

    def check_signatory(self, actor: Actor) -> Entry | None:
        """The actor's active entry in a pool with a register (R27), else None."""
        return None if self.register is None else self.register.check_actor(actor)

    def adopt_register(self, signatories: list[Entry], two_signatures_above: Money | None,
                       actor: Actor, at: datetime) -> None:
        if self.register is not None:
            raise StateError("this pool already has a signatory register; change it entry by "
                             "entry (R27)", field="signatories", code="register_exists",
                             rule="R27")
        check_entries(signatories, self.partner_order, self.host)
        check_complete(signatories, self.partner_order, self.host, actor)
        self._adopt(signatories, two_signatures_above, actor, at)

    def _adopt(self, signatories: list[Entry], two_signatures_above: Money | None,
               actor: Actor, at: datetime) -> None:
        self.trigger_event(
            self.RegisterAdopted, timestamp=at, signatories=[e.encode() for e in signatories],
            two_signatures_above=None if two_signatures_above is None
            else str(two_signatures_above), actor=actor)

    def register_signatory(self, entry: Entry, actor: Actor, at: datetime) -> None:
        if self.register is None:
            raise _no_register("signatory")
        check_entries([entry], self.partner_order, self.host, field="signatory")
        self.register.check_registration(entry, actor)
        self.trigger_event(self.SignatoryRegistered, timestamp=at, signatory=entry.encode(),
                           actor=actor)

    def revoke_signatory(self, signatory_id: str, reason: str, actor: Actor,
                         at: datetime) -> None:
        if self.register is None:
            raise _no_register("signatory_id")
        self.register.check_revocation(signatory_id, actor)
        self.trigger_event(self.SignatoryRevoked, timestamp=at, signatory_id=signatory_id,
                           reason=reason, actor=actor)

    def signatory_entry(self, signatory_id: str) -> Entry | None:
        return None if self.register is None else self.register.active.get(signatory_id)

    def pledge(self, partner: str, year: str, amount: Money, actor: Actor, at: datetime) -> None:
        """R6: a partner's agreed contribution is set once by a pledge, then only varied."""
        self.ensure_member(partner, year)
        if self.agreed_amount(partner, year) is not None:
            raise LimitError(
                f"{partner} has already pledged for {year}; vary the contribution instead (R6)",
                field="amount", code="already_pledged", rule="R6",
            )
        self.trigger_event(self.ContributionPledged, timestamp=at, partner=partner, year=year,
                           amount=str(amount), actor=actor)

    def vary(
        self, partner: str, year: str, amount: Money, reason: str, actor: Actor, at: datetime
    ) -> None:
        """R6: a variation states a reason and cannot go below what was already received."""
        self.ensure_member(partner, year)
        previous = self.agreed_amount(partner, year)
        if previous is None:
            raise LimitError(f"{partner} has not pledged for {year}; pledge first (R6)",
                             field="amount", code="not_pledged", rule="R6")
        received = self.received_amount(partner, year)
        if amount.decimal < received:
            raise LimitError(
                f"the agreed contribution cannot go below the {received} already received (R6)",
                field="amount", code="contribution_below_received", rule="R6",
            )
        self.trigger_event(self.ContributionVaried, timestamp=at, partner=partner, year=year,
                           amount=str(amount), previous_amount=format(previous, "f"),
                           reason=reason, actor=actor)

    def receive(
        self, partner: str, year: str, amount: Money, received_on: str, reference: str,
        actor: Actor, at: datetime,
    ) -> None:
        """R7: cash received for a year cannot exceed the agreed contribution."""
        self.ensure_member(partner, year)
        agreed = self.agreed_amount(partner, year) or Decimal(0)
        if self.received_amount(partner, year) + amount.decimal > agreed:
            raise LimitError(
                f"receipts would exceed {partner}'s agreed {agreed} for {year}; "
                "vary the contribution first (R7)",
                field="amount", code="receipt_exceeds_agreed", rule="R7",
            )
        self.trigger_event(self.ContributionReceived, timestamp=at, partner=partner, year=year,
                           amount=str(amount), received_on=received_on,
                           reference=reference, actor=actor)

    def seal(self, *, up_to: int, events: int, heads: dict[str, list[Any]], log_digest: str,
             reason: str, actor: Actor, at: datetime) -> None:
        self.trigger_event(self.Sealed, timestamp=at, pool_id=self.pool_id, up_to=up_to,
                           events=events, heads=heads, log_digest=log_digest, reason=reason,
                           actor=actor)

    def close_year(self, year: str, actor: Actor, at: datetime) -> None:
        """R17: closing fixes the outturn; nothing more is recorded in the year."""
        self.ensure_open(year)
        self.ensure_year_in_pool(year)
        self.trigger_event(self.YearClosed, timestamp=at, year=year, actor=actor)


def _no_register(field: str) -> StateError:
    return StateError("this pool has no signatory register; adopt one first (R27)", field=field,
                      code="no_register", rule="R27")
