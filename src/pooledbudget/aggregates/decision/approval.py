"""Proposing and approving a decision: its period and splits (R3, R9), who must approve and
whether they may (R10), and what each signs for (R29, R30).

The same approval checks serve a variation (R12), which names its own required partners.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ...money import Money
from ..register import Entry
from ..signing import Signature, amount_signed_for
from ..terms import Actor, ElementTerms, year_bounds
from .state import DecisionData, state_error


def check_period(year: str, start: date, planned_end: date) -> None:
    """R9: a period inside the year, in order."""
    first, last = year_bounds(year)
    if not first <= start <= last:
        raise state_error(f"start {start} is outside {year} (R9)", "start",
                          "period_outside_year", "R9")
    if not first <= planned_end <= last:
        raise state_error(f"planned_end {planned_end} is outside {year} (R9)",
                          "planned_end", "period_outside_year", "R9")
    if planned_end < start:
        raise state_error("planned_end is before start (R9)", "planned_end",
                          "period_reversed", "R9")


def check_split_partners(split: dict[str, Decimal], members: list[str], where: str) -> None:
    unknown = [code for code in split if code not in members]
    if unknown:
        raise state_error(f"{where} names {', '.join(unknown)}, not a partner of the pool in "
                          "the decision's year (R3)", where, "split_names_non_partner", "R3")


def required_approvers(elements: list[ElementTerms], members: list[str]) -> list[str]:
    """R9, R10: the elements' splits name only partners; every funding partner approves."""
    for i, element in enumerate(elements):
        check_split_partners(element.funding, members, f"elements.{i}.funding")
        if element.responsibility is not None:
            check_split_partners(element.responsibility, members,
                                 f"elements.{i}.responsibility")
    return [code for code in members
            if any(e.funding.get(code, Decimal(0)) > 0 for e in elements)]


class ApprovalRules(DecisionData):
    def _approval_signature(self, partner: str, actor: Actor, order: list[str] | None,
                            signer: Entry | None, threshold: Money | None) -> Signature:
        """R10 on a proposed decision, then what the signer signs for and may (R29, R30)."""
        self._ensure_proposed()
        self._ensure_required(partner, self.required, self.approvals, "R10")
        return Signature.check(partner, actor, self._signs_for(self._terms(), partner, order),
                               signer, threshold, self.first_signatures.get(partner)
                               ).check_limit()

    def _decline_signature(self, partner: str, order: list[str] | None,
                           signer: Entry | None) -> Signature:
        """One decline, by any budget holder of a required partner, declines (R10, R30)."""
        self._ensure_proposed()
        self._ensure_required(partner, self.required, self.approvals, "R10")
        return Signature(self._signs_for(self._terms(), partner, order), signer)

    def _terms(self) -> list[tuple[Money, dict[str, Decimal]]]:
        return [(e.cost, e.funding.latest) for e in self.elements.values()]

    def _signs_for(self, terms: list[tuple[Money, dict[str, Decimal]]], partner: str,
                   order: list[str] | None) -> Money:
        return amount_signed_for(terms, partner, self._order(order))

    def _ensure_proposed(self) -> None:
        if self.status != "proposed":
            raise state_error(f"decision {self.decision_id} is {self.status}, not awaiting "
                              "approval (R10)", "decision_id", "decision_not_pending", "R10")

    @staticmethod
    def _ensure_required(partner: str, required: list[str], approvals: list[str],
                         rule: str) -> None:
        if partner not in required:
            raise state_error(f"{partner}'s approval is not required ({rule})", "partner",
                              "approval_not_required", rule)
        if partner in approvals:
            raise state_error(f"{partner} has already approved ({rule})", "partner",
                              "already_approved", rule)
