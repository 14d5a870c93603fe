"""Aggregates: the consistency boundaries of the ledger. No I/O, no pydantic."""

from .decision import Decision, decision_uuid
from .pool import Pool, pool_uuid
from .registry import CommandReceipt, EvidenceRef, InvoiceRef

__all__ = ["CommandReceipt", "Decision", "EvidenceRef", "InvoiceRef", "Pool", "decision_uuid", "pool_uuid"]
