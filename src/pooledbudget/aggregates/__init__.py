"""Aggregates: the consistency boundaries of the ledger. No I/O, no pydantic.

The names are imported when first used (`pooledbudget.lazy`): the recorders need only
`chain.py`'s constants, and a report whose read models are current decodes no event, so it
never builds the aggregates' event classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .decision import Decision
    from .ids import decision_uuid, pool_uuid
    from .pool import Pool
    from .registry import CommandReceipt, EvidenceRef, InvoiceRef

__all__ = ["CommandReceipt", "Decision", "EvidenceRef", "InvoiceRef", "Pool", "decision_uuid", "pool_uuid"]

_WHERE = {
    "Decision": ".decision",
    "Pool": ".pool",
    **dict.fromkeys(["decision_uuid", "pool_uuid"], ".ids"),
    **dict.fromkeys(["CommandReceipt", "EvidenceRef", "InvoiceRef"], ".registry"),
}
__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
