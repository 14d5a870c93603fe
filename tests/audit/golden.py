"""The commands behind the hash-chain golden vectors (docs/audit/hash-chain.md)."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from pooledbudget import parse_command
from pooledbudget.aggregates.chain import canonical_bytes, stored_fields
from pooledbudget.application import open_ledger

ASC_PM = {"id": "pm-asc-01", "partner": "ASC", "role": "pool_manager"}
COMMANDS: list[dict[str, Any]] = [
    {"command": "EstablishPool", "actor": ASC_PM, "at": "2026-04-01T09:00:00Z", "pool_id": "GV",
     "name": "Golden Vector Pool", "host": "ASC", "first_year": "2026-27",
     "partners": [{"code": "ASC", "name": "Adult Social Care"}, {"code": "SMS", "name": "Substance Misuse"}]},
    {"command": "PledgeContribution", "at": "2026-04-01T09:01:00Z", "pool_id": "GV",
     "actor": {"id": "bh-sms-01", "partner": "SMS", "role": "budget_holder"}, "partner": "SMS",
     "year": "2026-27", "amount": "1000.00"},
    {"command": "ProposeDecision", "actor": ASC_PM, "at": "2026-04-02T10:00:00.250000Z", "pool_id": "GV",
     "decision_id": "GV-1", "year": "2026-27", "case_ref": "CASE-0001", "category": "detox",
     "start": "2026-04-06", "planned_end": "2026-05-03", "cost": {"weekly": "2450.00", "weeks": 4},
     "funding": {"ASC": "60", "SMS": "40"}},
]


def golden_vectors() -> list[dict[str, Any]]:
    """Each stored event: topic, canonical bytes (as UTF-8 text), hash, prev_hash."""
    ledger = open_ledger("memory://")
    try:
        for command in COMMANDS:
            ledger.execute(parse_command(command), use_command_time=True, allow_future_times=True)
        vectors = []
        for n in ledger.recorder.select_notifications(start=1, limit=100):
            event: Any = ledger.mapper.to_domain_event(n)
            topic = get_topic(type(event))
            vectors.append({
                "topic": topic,
                "canonical": canonical_bytes(topic, stored_fields(event)).decode("utf-8"),
                "sha256": event.hash,
                "prev_hash": event.prev_hash,
                "originator_id": str(event.originator_id),
                "originator_version": event.originator_version,
            })
        return vectors
    finally:
        ledger.close()


if __name__ == "__main__":
    import json
    import sys

    from pooledbudget.logs import configure_logging

    configure_logging("off")
    json.dump(golden_vectors(), sys.stdout, indent=1, ensure_ascii=False)
    print()
