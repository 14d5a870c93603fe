"""The command handlers, by area; each registers itself in the dispatch table (dispatch.py)."""

from .decisions import DecisionHandlers
from .pools import PoolHandlers
from .register import RegisterHandlers
from .spend import SpendHandlers

__all__ = ["DecisionHandlers", "PoolHandlers", "RegisterHandlers", "SpendHandlers"]
