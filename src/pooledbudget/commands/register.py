"""Commands that keep a pool's signatory register (R27, R28)."""

from __future__ import annotations

from typing import Literal

from .command import Command
from .fields import Amount, FreeText, Identifier
from .values import Signatory


class AdoptSignatoryRegister(Command):
    """Starts verifying authority against a register given whole (R27)."""

    command: Literal["AdoptSignatoryRegister"] = "AdoptSignatoryRegister"
    pool_id: Identifier
    signatories: list[Signatory]
    two_signatures_above: Amount | None = None


class RegisterSignatory(Command):
    command: Literal["RegisterSignatory"] = "RegisterSignatory"
    pool_id: Identifier
    signatory: Signatory


class RevokeSignatory(Command):
    command: Literal["RevokeSignatory"] = "RevokeSignatory"
    pool_id: Identifier
    signatory_id: Identifier
    reason: FreeText
