"""Commands that propose, approve, decline, vary and end joint funding decisions (R9-R12)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import SerializerFunctionWrapHandler, model_serializer, model_validator

from .command import Command
from .fields import CaseRef, Day, FreeText, Identifier, PartnerCode, SplitField, Year
from .values import Cost, Element, Outcome, VariedElement, absent_outcome_left_out


class ProposeDecision(Command):
    command: Literal["ProposeDecision"] = "ProposeDecision"
    pool_id: Identifier
    decision_id: Identifier
    year: Year
    case_ref: CaseRef
    category: FreeText
    start: Day
    planned_end: Day
    elements: list[Element] | None = None
    cost: Cost | None = None
    outcome: Outcome | None = None  # the one-element form of an outcome element (R32)
    funding: SplitField | None = None
    responsibility: SplitField | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return absent_outcome_left_out(self, handler)

    @model_validator(mode="after")
    def _one_form(self) -> ProposeDecision:
        one_element = any(x is not None for x in (self.cost, self.outcome, self.funding))
        if self.elements is not None:
            if one_element or self.responsibility is not None:
                raise ValueError("give either elements or cost/funding, not both")
            if not self.elements:
                raise ValueError("a decision needs at least one element")
            names = [e.name for e in self.elements]
            if len(set(names)) != len(names):
                raise ValueError("element names must be unique")
        elif (self.cost is None) == (self.outcome is None) or self.funding is None:
            raise ValueError("a decision needs elements, or cost (or outcome) and funding")
        return self

    def element_list(self) -> list[Element]:
        if self.elements is not None:
            return list(self.elements)
        assert self.funding is not None
        return [Element(name="main", cost=self.cost, outcome=self.outcome, funding=self.funding,
                        responsibility=self.responsibility)]


class ApproveDecision(Command):
    command: Literal["ApproveDecision"] = "ApproveDecision"
    pool_id: Identifier
    decision_id: Identifier
    partner: PartnerCode


class DeclineDecision(Command):
    command: Literal["DeclineDecision"] = "DeclineDecision"
    pool_id: Identifier
    decision_id: Identifier
    partner: PartnerCode
    reason: FreeText


class ProposeVariation(Command):
    command: Literal["ProposeVariation"] = "ProposeVariation"
    pool_id: Identifier
    decision_id: Identifier
    variation_id: Identifier
    reason: FreeText
    effective_from: Day | None = None
    planned_end: Day | None = None
    elements: list[VariedElement] | None = None
    cost: Cost | None = None
    funding: SplitField | None = None
    responsibility: SplitField | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ProposeVariation:
        top_level = any(x is not None for x in (self.cost, self.funding, self.responsibility))
        if self.elements is not None and top_level:
            raise ValueError("give either elements or top-level cost/funding/responsibility")
        if self.elements is not None:
            names = [e.name for e in self.elements]
            if not names or len(set(names)) != len(names):
                raise ValueError("a variation's elements are a non-empty list of unique names")
        if self.elements is None and not top_level and self.planned_end is None:
            raise ValueError("a variation changes planned_end, elements, cost, funding or responsibility")
        return self


class ApproveVariation(Command):
    command: Literal["ApproveVariation"] = "ApproveVariation"
    pool_id: Identifier
    decision_id: Identifier
    variation_id: Identifier
    partner: PartnerCode


class DeclineVariation(Command):
    command: Literal["DeclineVariation"] = "DeclineVariation"
    pool_id: Identifier
    decision_id: Identifier
    variation_id: Identifier
    partner: PartnerCode
    reason: FreeText


class EndDecision(Command):
    command: Literal["EndDecision"] = "EndDecision"
    pool_id: Identifier
    decision_id: Identifier
    ended_on: Day
    reason: FreeText
