"""The service layer: `LedgerApplication` (service.py) and `open_ledger` (open.py).

The package's parts, by responsibility: results.py (what a command returns and logs), base.py
(the state they share), loading.py and cache.py (aggregates as recorded), idempotency.py (R25),
recording_time.py, authority.py (R26–R28), dispatch.py and handlers/ (one handler per command, by
area), invoice_refs.py (R13's references), deciding.py, retry.py and batches.py (one command, or
many), fast_save.py (eventsourcing's save, faster) and service.py, which puts them together.

Every name is imported when first used (`pooledbudget.lazy`): opening a ledger to read loads
`service.py` and what it is built from, not the command models or the aggregates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .batches import GROUP_SIZE, RUN_ALONE
    from .dispatch import HANDLERS, handles
    from .open import open_ledger
    from .recording_time import FUTURE_TOLERANCE
    from .results import INTERNAL_EVENTS, Clock, CommandResult, event_name, utc_now
    from .retry import MAX_ATTEMPTS
    from .service import LedgerApplication

__all__ = [
    "FUTURE_TOLERANCE",
    "GROUP_SIZE",
    "HANDLERS",
    "INTERNAL_EVENTS",
    "MAX_ATTEMPTS",
    "RUN_ALONE",
    "Clock",
    "CommandResult",
    "LedgerApplication",
    "event_name",
    "handles",
    "open_ledger",
    "utc_now",
]

_WHERE = {
    **dict.fromkeys(["GROUP_SIZE", "RUN_ALONE"], ".batches"),
    **dict.fromkeys(["HANDLERS", "handles"], ".dispatch"),
    "open_ledger": ".open",
    "FUTURE_TOLERANCE": ".recording_time",
    **dict.fromkeys(["INTERNAL_EVENTS", "Clock", "CommandResult", "event_name", "utc_now"],
                    ".results"),
    "MAX_ATTEMPTS": ".retry",
    "LedgerApplication": ".service",
}
__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
