"""`ChainedAggregate._create`'s one-dictionary path against eventsourcing's generic one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate

from pooledbudget.aggregates import CommandReceipt, InvoiceRef, Pool
from pooledbudget.aggregates.chain import GENESIS, ChainedAggregate, event_hash

AT = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
ACTOR = {"id": "pm-sms-01", "partner": "SMS", "role": "pool_manager"}


def generic(aggregate: Any) -> Any:
    """The same aggregate made by eventsourcing's own `_create`, from its first event's fields
    (the hash recomputed as the chain defines it)."""
    (event,) = aggregate.pending_events
    fields = {k: v for k, v in event.__dict__.items()
              if k not in ("originator_id", "originator_version", "originator_topic")}
    cls, event_class = type(aggregate), type(event)
    fields["hash"] = event_hash(event_class.TOPIC, {**fields, "originator_id": aggregate.id,
                                                    "originator_version": 1,
                                                    "originator_topic": cls.TOPIC})
    return Aggregate._create.__func__(cls, event_class, id=aggregate.id, **fields)  # type: ignore[attr-defined]


@pytest.mark.parametrize("make", [
    lambda: CommandReceipt.accept("c-1", "RecordSpend", "d" * 64, "SMS1", ["SpendRecorded"],
                                  ACTOR, AT),
    lambda: InvoiceRef.claim("SMS1", "INV-1", "INV1", "D1", ACTOR, AT),
])
def test_a_created_aggregate_is_eventsourcings_own(make: Any) -> None:
    """The aggregate and its first event are those eventsourcing's generic path makes: the same
    fields, hash, chain head and state."""
    ours = make()
    theirs = generic(ours)
    assert ours.pending_events[0].__dict__ == theirs.pending_events[0].__dict__
    assert ours.pending_events[0].prev_hash == GENESIS
    assert ours.chain_head == ours.pending_events[0].hash == theirs.chain_head
    assert {k: v for k, v in vars(ours).items() if k != "_pending_events"} == \
        {k: v for k, v in vars(theirs).items() if k != "_pending_events"}


def test_an_id_is_required_and_must_be_an_id() -> None:
    with pytest.raises(ValueError, match="deterministic id"):
        ChainedAggregate._create.__func__(InvoiceRef, InvoiceRef.Registered)  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="not a UUID or str"):
        ChainedAggregate._create.__func__(InvoiceRef, InvoiceRef.Registered, id=3)  # type: ignore[attr-defined]


def test_an_event_missing_a_field_is_refused_as_eventsourcing_refuses_it() -> None:
    with pytest.raises(TypeError, match="Unable to construct 'Pool.Established' event"):
        Pool._create(Pool.Established, id=uuid4(), timestamp=AT)
