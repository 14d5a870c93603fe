"""Report shapes (docs/reference/wire-format.md) as pydantic models: amounts 2 places, percentages 4."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from ..money import Money


def _rendered(value: object) -> object:
    return str(value) if isinstance(value, Money) else value


AmountText = Annotated[str, BeforeValidator(_rendered)]
"""An amount as reports show it: given as `Money`, shown in its stored form ("2450.00")."""


class Report(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class PartnerShare(Report):
    partner: str
    agreed: AmountText
    received: AmountText
    contribution_share: str
    committed: AmountText
    spent: AmountText
    spend_share: str
    available: AmountText
    contingent: AmountText  # R34: outcome exposure, beside the forecast, never in it
    forecast: AmountText


class ShareTotals(Report):
    agreed: AmountText
    received: AmountText
    committed: AmountText
    spent: AmountText
    available: AmountText
    contingent: AmountText
    forecast: AmountText


class SharesReport(Report):
    pool: str
    year: str
    as_at: str | None
    partners: list[PartnerShare]
    total: ShareTotals


class CostShiftReport(Report):
    pool: str
    year: str
    as_at: str | None
    funded: dict[str, AmountText]
    responsible: dict[str, AmountText]
    net: dict[str, AmountText]
    matrix: dict[str, dict[str, AmountText]]


class PendingApproval(Report):
    decision_id: str
    variation_id: str | None
    waiting_on: list[str]
    first_signature: list[str]  # partners with one of their two signatures (R30)
    days_waiting: int


class ApprovalsReport(Report):
    pool: str
    as_of: str
    pending: list[PendingApproval]


class RiskShareReport(Report):
    pool: str
    year: str
    closed: bool
    agreed_total: AmountText
    spent_total: AmountText
    outturn: AmountText
    allocation: dict[str, AmountText]


class DuplicateSpend(Report):
    invoice_ref: str
    decision_id: str
    supplier: str
    element: str | None
    recorded_at: str


class DuplicateGroup(Report):
    """Spends that may be one invoice paid more than once; `same_reference`: two of them are the
    same reference under R13 (recorded before R13 said so)."""

    supplier: str
    amount: str
    service_date: str
    total: str
    same_reference: bool
    spends: list[DuplicateSpend]


class PossibleDuplicatesReport(Report):
    pool: str
    year: str | None
    groups: list[DuplicateGroup]


class OutcomeLine(Report):
    decision_id: str
    element: str
    measure: str
    price: str
    max_count: int
    count_paid: int
    paid: str
    remaining: str


class OutcomePartner(Report):
    partner: str
    funded: str
    responsible: str


class OutcomesReport(Report):
    pool: str
    year: str
    as_at: str | None
    outcomes: list[OutcomeLine]
    partners: list[OutcomePartner]


class SignatoryRow(Report):
    id: str
    partner: str
    role: str
    limit: str | None  # None: unlimited
    registered_at: str | None
    registered_by: str | None


class SignatoriesReport(Report):
    """The active register as at a time; `verified` false (and no rows) without one (R27)."""

    pool: str
    as_at: str | None
    verified: bool
    two_signatures_above: str | None
    signatories: list[SignatoryRow]


class SignOff(Report):
    decision_id: str
    variation_id: str | None
    partner: str
    actor: str
    outcome: str  # approved | first_signature | declined
    amount: str | None  # what the partner signed for (R29)
    limit: str | None  # the signer's limit then; None: unlimited
    recorded_at: str


class SignOffsReport(Report):
    pool: str
    year: str
    as_at: str | None
    verified: bool
    sign_offs: list[SignOff]
