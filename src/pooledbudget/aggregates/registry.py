"""Small one-event aggregates whose deterministic ids make uniqueness a storage guarantee.

Saving a second `InvoiceRef` or `CommandReceipt` with the same id conflicts in the event store,
so an invoice reference is never reused (R13), nor an outcome's evidence reference (R33), and a
command id is applied once (R25), even when two processes race. An invoice is claimed under its
reference's key (`references.py`), so its other spellings collide too; claims made before R13
said when references are the same were keyed by raw text, and `LegacyInvoiceRefs` lists them by
key (decision 0024).
"""

from __future__ import annotations

import functools
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ..references import reference_key
from .chain import ChainedAggregate
from .pool import NAMESPACE
from .terms import Actor


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def invoice_uuid(pool_id: str, invoice_ref: str) -> UUID:
    return uuid5(NAMESPACE, f"invoice:{pool_id}:{invoice_ref}")


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def invoice_key_uuid(pool_id: str, key: str) -> UUID:
    """The claim of every spelling of one reference: `key` is its `reference_key`."""
    return uuid5(NAMESPACE, f"invoice-key:{pool_id}:{key}")


def legacy_invoices_uuid(pool_id: str) -> UUID:
    return uuid5(NAMESPACE, f"invoice-legacy:{pool_id}")


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def evidence_uuid(pool_id: str, evidence_ref: str) -> UUID:
    """One id for every spelling of a reference (R13's comparison, which R33 applies)."""
    return uuid5(NAMESPACE, f"evidence:{pool_id}:{reference_key(evidence_ref)}")


@functools.lru_cache(maxsize=4096)  # a command derives each id several times
def receipt_uuid(command_id: str) -> UUID:
    return uuid5(NAMESPACE, f"command:{command_id}")


class InvoiceRef(ChainedAggregate):
    """Claims an invoice reference within a pool and says which decision it was charged to."""

    TOPIC = "pooledbudget:InvoiceRef"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:InvoiceRef.Event"

    class Registered(Event, Aggregate.Created):
        TOPIC = "pooledbudget:InvoiceRegistered"
        pool_id: str
        invoice_ref: str
        decision_id: str
        actor: Actor
        key: str | None = None  # None: claimed by raw text, before R13 was amended

    def __init__(self, pool_id: str, invoice_ref: str, decision_id: str, actor: Actor,
                 key: str | None = None) -> None:
        self.pool_id = pool_id
        self.invoice_ref = invoice_ref
        self.decision_id = decision_id
        self.key = key

    @classmethod
    def claim(cls, pool_id: str, invoice_ref: str, key: str, decision_id: str, actor: Actor,
              at: datetime) -> InvoiceRef:
        """Claims the reference, as written, under its key: every spelling of it is taken."""
        return cls._create(cls.Registered, id=invoice_key_uuid(pool_id, key), timestamp=at,
                           pool_id=pool_id, invoice_ref=invoice_ref, decision_id=decision_id,
                           actor=actor, key=key)

    @classmethod
    def register(cls, pool_id: str, invoice_ref: str, decision_id: str, actor: Actor,
                 at: datetime) -> InvoiceRef:
        """A claim by raw text, as made before R13 was amended (kept for tests of such history:
        the ledger no longer makes them). `key=None` is passed so that it is hashed as stored."""
        return cls._create(cls.Registered, id=invoice_uuid(pool_id, invoice_ref), timestamp=at,
                           pool_id=pool_id, invoice_ref=invoice_ref, decision_id=decision_id,
                           actor=actor, key=None)


class LegacyInvoiceRefs(ChainedAggregate):
    """A pool's invoice references claimed by raw text (before R13 was amended), by key.

    Made once per pool, by the first spend or reversal the ledger decides under the amended
    rule, from the claims then in the log; no raw-text claim is made after it, so it never
    changes. `claims`: key -> {reference as recorded -> decision id}, in recording order.
    """

    TOPIC = "pooledbudget:LegacyInvoiceRefs"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:LegacyInvoiceRefs.Event"

    class Indexed(Event, Aggregate.Created):
        TOPIC = "pooledbudget:LegacyInvoiceRefsIndexed"
        pool_id: str
        claims: dict[str, dict[str, str]]
        actor: Actor

    def __init__(self, pool_id: str, claims: dict[str, dict[str, str]], actor: Actor) -> None:
        self.pool_id = pool_id
        self.claims = claims

    @classmethod
    def index(cls, pool_id: str, claims: dict[str, dict[str, str]], actor: Actor,
              at: datetime) -> LegacyInvoiceRefs:
        return cls._create(cls.Indexed, id=legacy_invoices_uuid(pool_id), timestamp=at,
                           pool_id=pool_id, claims=claims, actor=actor)


class EvidenceRef(ChainedAggregate):
    """Claims an outcome's evidence reference within a pool (R33): an outcome is paid on a
    piece of evidence once, and a reversal of the payment never frees it."""

    TOPIC = "pooledbudget:EvidenceRef"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:EvidenceRef.Event"

    class Registered(Event, Aggregate.Created):
        TOPIC = "pooledbudget:EvidenceRegistered"
        pool_id: str
        evidence_ref: str
        decision_id: str
        invoice_ref: str
        actor: Actor

    def __init__(self, pool_id: str, evidence_ref: str, decision_id: str, invoice_ref: str,
                 actor: Actor) -> None:
        self.pool_id = pool_id
        self.evidence_ref = evidence_ref
        self.decision_id = decision_id
        self.invoice_ref = invoice_ref

    @classmethod
    def register(cls, pool_id: str, evidence_ref: str, decision_id: str, invoice_ref: str,
                 actor: Actor, at: datetime) -> EvidenceRef:
        return cls._create(cls.Registered, id=evidence_uuid(pool_id, evidence_ref),
                           timestamp=at, pool_id=pool_id, evidence_ref=evidence_ref,
                           decision_id=decision_id, invoice_ref=invoice_ref, actor=actor)


class CommandReceipt(ChainedAggregate):
    """Remembers a command that succeeded: its content digest and the events it recorded."""

    TOPIC = "pooledbudget:CommandReceipt"

    class Event(ChainedAggregate.Event):
        TOPIC = "pooledbudget:CommandReceipt.Event"

    class Accepted(Event, Aggregate.Created):
        TOPIC = "pooledbudget:CommandAccepted"
        command_id: str
        command: str
        digest: str
        pool_id: str | None
        events: list[str]
        actor: Actor

    def __init__(self, command_id: str, command: str, digest: str, pool_id: str | None,
                 events: list[str]) -> None:
        self.command_id = command_id
        self.command = command
        self.digest = digest
        self.pool_id = pool_id
        self.events = list(events)

    @classmethod
    def accept(cls, command_id: str, command: str, digest: str, pool_id: str | None,
               events: list[str], actor: Actor, at: datetime) -> CommandReceipt:
        return cls._create(cls.Accepted, id=receipt_uuid(command_id), timestamp=at,
                           command_id=command_id, command=command, digest=digest,
                           pool_id=pool_id, events=events, actor=actor)
