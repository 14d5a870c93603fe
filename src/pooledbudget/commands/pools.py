"""Commands that set up a pool, its partners and their contributions, and close its years."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .command import Command
from .fields import Amount, Day, FreeText, Identifier, PartnerCode, Text, Year
from .values import PartnerRef, RiskShareRule, Signatory


class EstablishPool(Command):
    command: Literal["EstablishPool"] = "EstablishPool"
    pool_id: Identifier
    name: Text
    host: PartnerCode
    partners: list[PartnerRef]
    first_year: Year
    risk_share: RiskShareRule = Field(default_factory=RiskShareRule)
    signatories: list[Signatory] | None = None
    two_signatures_above: Amount | None = None

    @model_validator(mode="after")
    def _threshold_needs_register(self) -> EstablishPool:
        if self.two_signatures_above is not None and self.signatories is None:
            raise ValueError("two_signatures_above is set with a signatory register")
        return self


class JoinPool(Command):
    command: Literal["JoinPool"] = "JoinPool"
    pool_id: Identifier
    partner: PartnerRef
    from_year: Year
    signatories: list[Signatory] | None = None


class PledgeContribution(Command):
    command: Literal["PledgeContribution"] = "PledgeContribution"
    pool_id: Identifier
    partner: PartnerCode
    year: Year
    amount: Amount


class VaryContribution(Command):
    command: Literal["VaryContribution"] = "VaryContribution"
    pool_id: Identifier
    partner: PartnerCode
    year: Year
    amount: Amount
    reason: FreeText


class ReceiveContribution(Command):
    command: Literal["ReceiveContribution"] = "ReceiveContribution"
    pool_id: Identifier
    partner: PartnerCode
    year: Year
    amount: Amount
    received_on: Day
    reference: Identifier


class CloseYear(Command):
    command: Literal["CloseYear"] = "CloseYear"
    pool_id: Identifier
    year: Year


class SealPool(Command):
    """Records the chain heads of every aggregate of the pool (R24); CloseYear also seals."""

    command: Literal["SealPool"] = "SealPool"
    pool_id: Identifier
    reason: FreeText
