"""A joint funding decision (R9-R16, R29-R34): the aggregate, what it holds, and its rules.

`pooledbudget.aggregates.decision` is the import path it has always had; the event topics are
explicit (`pooledbudget:DecisionApproved`, ...), so stored events resolve wherever the classes live.
"""

from .aggregate import Decision
from .state import ElementState, PendingVariation, SpendState, decision_uuid

__all__ = ["Decision", "ElementState", "PendingVariation", "SpendState", "decision_uuid"]
