"""Every event of a pool, oldest first, as an auditor reads it: when, who, what, and why (R23)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eventsourcing.application import Application

from ..aggregates import Decision, Pool
from ..aggregates.registry import CommandReceipt, EvidenceRef, InvoiceRef
from .log_scan import scan_log

_BOOKKEEPING = {"originator_id", "originator_version", "originator_topic", "timestamp",
                "prev_hash", "hash", "actor", "reason"}


def _subject(event: Any, pool: str, decisions: dict[Any, str]) -> tuple[str, str]:
    if isinstance(event, Pool.Event):
        return "pool", pool
    if isinstance(event, Decision.Event):
        return "decision", decisions.get(event.originator_id, "")
    if isinstance(event, InvoiceRef.Registered):
        return "invoice", event.invoice_ref
    if isinstance(event, EvidenceRef.Registered):
        return "evidence", event.evidence_ref
    if isinstance(event, CommandReceipt.Accepted):
        return "command", event.command_id
    return "other", ""


def history(app: Application[Any], pool: str, decision: str | None = None
            ) -> Iterator[dict[str, Any]]:
    """One row per event of the pool (of one decision, if given), in recording order."""
    decisions: dict[Any, str] = {}
    for logged in scan_log(app):
        event = logged.event
        if logged.pool_id != pool or event is None:
            continue
        if isinstance(event, Decision.Proposed):
            decisions[event.originator_id] = event.decision_id
        kind, subject = _subject(event, pool, decisions)
        if decision is not None and not (kind == "decision" and subject == decision) and not (
                kind in ("invoice", "evidence") and event.decision_id == decision):
            continue
        actor = getattr(event, "actor", None) or {}
        yield {
            "notification_id": logged.notification_id,
            "recorded_at": event.timestamp.isoformat(),
            "event": logged.topic.split(":", 1)[-1],
            "subject": kind,
            "id": subject,
            "version": logged.version,
            "actor": actor.get("id"),
            "partner": actor.get("partner"),
            "role": actor.get("role"),
            "reason": getattr(event, "reason", None),
            "facts": {k: v for k, v in event.__dict__.items() if k not in _BOOKKEEPING},
            "hash": event.hash,
        }
