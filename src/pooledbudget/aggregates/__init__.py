"""Aggregates: the consistency boundaries of the ledger. No I/O, no pydantic.

The names are imported when first used (`pooledbudget.lazy`): the recorders need only
`chain.py`'s constants, and a report whose read models are current decodes no event, so it
never builds the aggregates' event classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .closure import closure_uuid as closure_uuid
    from .decision import Decision
    from .ids import decision_uuid, pool_uuid
    from .pool import Pool
    from .registry import CommandReceipt, EvidenceRef, InvoiceRef
    from .registry import LegacyInvoiceRefs as LegacyInvoiceRefs
    from .registry import invoice_key_uuid as invoice_key_uuid
    from .registry import legacy_invoices_uuid as legacy_invoices_uuid
    from .registry import receipt_uuid as receipt_uuid

__all__ = ["CommandReceipt", "Decision", "EvidenceRef", "InvoiceRef", "Pool", "decision_uuid", "pool_uuid"]

_WHERE = {
    "Decision": ".decision",
    "Pool": ".pool",
    **dict.fromkeys(["decision_uuid", "pool_uuid"], ".ids"),
    **dict.fromkeys(["CommandReceipt", "EvidenceRef", "InvoiceRef"], ".registry"),
    # For the write path's every command: `aggregates.name` costs a look-up, where a
    # `from .registry import name` in a function cost 1-2 us each time it ran.
    **dict.fromkeys(["LegacyInvoiceRefs", "invoice_key_uuid", "legacy_invoices_uuid",
                     "receipt_uuid"], ".registry"),
    "closure_uuid": ".closure",
}
__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
