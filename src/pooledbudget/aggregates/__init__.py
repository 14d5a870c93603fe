"""Aggregates: the consistency boundaries of the ledger. No I/O, no pydantic."""

from .decision import Decision, decision_uuid
from .pool import Pool, pool_uuid
from .registry import CommandReceipt, InvoiceRef

__all__ = ["CommandReceipt", "Decision", "InvoiceRef", "Pool", "decision_uuid", "pool_uuid"]
