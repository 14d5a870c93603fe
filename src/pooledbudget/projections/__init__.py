"""Read models built from the notification log, live, rebuilt, or as at a past time."""

from .live import follow, live_store, read_models_as_at, rebuild
from .projector import LedgerProjection, catch_up
from .store import ReadModelStore

__all__ = ["LedgerProjection", "ReadModelStore", "catch_up", "follow", "live_store", "read_models_as_at",
           "rebuild"]
