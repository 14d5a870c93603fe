"""Read models built from the notification log, live, rebuilt, or as at a past time.

The projector is imported when first named (`pooledbudget.lazy`): reading current read models
needs only their store (live.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names
from .live import follow, live_store, pool_figures_as_at, read_models_as_at, rebuild
from .store import ReadModelStore

if TYPE_CHECKING:
    from .projector import LedgerProjection, catch_up

__all__ = ["LedgerProjection", "ReadModelStore", "catch_up", "follow", "live_store",
           "pool_figures_as_at", "read_models_as_at", "rebuild"]

__getattr__, __dir__ = lazy_names(__name__, dict.fromkeys(["LedgerProjection", "catch_up"],
                                                          ".projector"), globals())
