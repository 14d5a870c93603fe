"""Value models that commands are built from: the actor, partners, risk-share terms, costs,
outcome terms, elements and signatory entries. Frozen, and refusing fields they do not know."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from ..money import MAX_PENCE, Money
from .fields import (
    Amount,
    Count,
    FreeText,
    Identifier,
    PartnerCode,
    Role,
    SplitField,
    Text,
    Weeks,
    fail,
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(Model):
    id: Identifier
    partner: PartnerCode
    role: Role


class PartnerRef(Model):
    code: PartnerCode
    name: Text


class RiskShareRule(Model):
    rule: Literal["proportional", "fixed", "capped"] = "proportional"
    percentages: SplitField | None = None
    caps: dict[PartnerCode, Amount] | None = None

    @model_validator(mode="after")
    def _terms_fit_rule(self) -> RiskShareRule:
        if self.rule == "fixed" and self.percentages is None:
            raise fail("split_invalid", "a fixed risk share needs percentages (R3)")
        if self.rule != "fixed" and self.percentages is not None:
            raise ValueError("percentages are only for the fixed rule")
        if self.rule == "capped" and not self.caps:
            raise ValueError("a capped risk share needs caps")
        if self.rule != "capped" and self.caps is not None:
            raise ValueError("caps are only for the capped rule")
        return self


class Cost(Model):
    """Weekly rate x planned weeks, or a fixed total."""

    weekly: Amount | None = None
    weeks: Weeks | None = None
    total: Amount | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Cost:
        weekly_form = self.weekly is not None and self.weeks is not None
        if weekly_form == (self.total is not None) or (
            not weekly_form and (self.weekly is not None or self.weeks is not None)
        ):
            raise ValueError("cost is either {weekly, weeks} or {total}")
        if self.amount.pence > MAX_PENCE:
            raise fail("amount_format", "a cost may not exceed £1,000,000,000 (R1)")
        return self

    @property
    def amount(self) -> Money:
        if self.total is not None:
            return self.total
        assert self.weekly is not None and self.weeks is not None
        return self.weekly.times(self.weeks)


class Outcome(Model):
    """What an outcome element pays for (R32): price per outcome, up to max_count of them."""

    measure: FreeText
    price: Amount
    max_count: Count

    @model_validator(mode="after")
    def _cost_in_range(self) -> Outcome:
        if self.price.times(self.max_count).pence > MAX_PENCE:
            raise fail("amount_format", "price x max_count may not exceed £1,000,000,000 (R1)")
        return self


class VariedOutcome(Model):
    """An outcome element in a variation: a new `max_count` (R32). Measure and price never
    change; they are given only to add a new outcome element (or repeat the current ones)."""

    max_count: Count
    measure: FreeText | None = None
    price: Amount | None = None

    @model_validator(mode="after")
    def _cost_in_range(self) -> VariedOutcome:
        if self.price is not None and self.price.times(self.max_count).pence > MAX_PENCE:
            raise fail("amount_format", "price x max_count may not exceed £1,000,000,000 (R1)")
        return self


def absent_outcome_left_out(model: Model, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
    """A cost element (or a one-element decision's cost) dumps as it did before outcome
    elements existed, so the content digests that receipts keep (R25) do not change for
    commands sent before them."""
    data: dict[str, Any] = handler(model)
    if getattr(model, "outcome", None) is None:
        data.pop("outcome", None)
    return data


class Element(Model):
    """A cost element ({weekly, weeks} or {total}), or an outcome element (R32)."""

    name: FreeText
    cost: Cost | None = None
    outcome: Outcome | None = None
    funding: SplitField
    responsibility: SplitField | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return absent_outcome_left_out(self, handler)

    @model_validator(mode="after")
    def _cost_or_outcome(self) -> Element:
        if (self.cost is None) == (self.outcome is None):
            raise ValueError("an element has either a cost or an outcome")
        return self

    @property
    def amount(self) -> Money:
        """Its cost: the cost given, or price x max_count for an outcome element (R32)."""
        if self.outcome is not None:
            return self.outcome.price.times(self.outcome.max_count)
        assert self.cost is not None
        return self.cost.amount


class VariedElement(Model):
    """An element in a variation's new list: by name alone it keeps its terms."""

    name: FreeText
    cost: Cost | None = None
    outcome: VariedOutcome | None = None
    funding: SplitField | None = None
    responsibility: SplitField | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return absent_outcome_left_out(self, handler)

    @model_validator(mode="after")
    def _not_both(self) -> VariedElement:
        if self.cost is not None and self.outcome is not None:
            raise ValueError("an element has either a cost or an outcome")
        return self


class Signatory(Model):
    """An entry of a pool's signatory register (R27): who acts for which partner, in which
    role, and for a budget holder up to which amount (none: unlimited)."""

    id: Identifier
    partner: PartnerCode
    role: Role
    limit: Amount | None = None
