"""What a partner signs for, and whether a signature completes its approval (R29, R30).

The same rules serve a decision's proposal and its variations, so they live here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..errors import StateError
from ..money import ZERO, Money, allocate, split_weights
from .register import Entry, check_limit
from .terms import Actor

Terms = Iterable[tuple[Money, dict[str, Decimal]]]  # (element cost, funding split)


def amount_signed_for(terms: Terms, partner: str, order: list[str]) -> Money:
    """R29: the partner's money in the decision, Σ over elements of R4(cost, split)."""
    total = ZERO
    for cost, split in terms:
        if split.get(partner):
            total += allocate(cost, split_weights(split), order)[partner]
    return total


@dataclass(frozen=True, slots=True)
class Signature:
    """A budget holder's approval or decline as recorded: the amount signed for, the signer's
    limit then, and whether it is the first of two (R30)."""

    amount: Money
    signer: Entry | None
    first: bool = False

    @classmethod
    def check(cls, partner: str, actor: Actor, amount: Money, signer: Entry | None,
              threshold: Money | None, first_signer: str | None) -> Signature:
        """The state rule (the same id twice, R30); the limit is checked by `check_limit`,
        among the limits, after the state rules."""
        two_needed = signer is not None and threshold is not None and amount > threshold
        if two_needed and first_signer == actor["id"]:
            raise StateError(f"{actor['id']} has already signed {partner}'s approval; a second "
                             "budget holder must sign (R30)", field="actor.id",
                             code="already_signed", rule="R30")
        return cls(amount, signer, first=two_needed and first_signer is None)

    def check_limit(self) -> Signature:
        """R29: within the signer's limit (equal passes)."""
        check_limit(self.amount, self.signer)
        return self

    def fields(self) -> dict[str, str | None]:
        limit = None if self.signer is None or self.signer.limit is None else self.signer.limit
        return {"amount": str(self.amount), "limit": None if limit is None else str(limit)}
