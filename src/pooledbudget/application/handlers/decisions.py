"""Handlers: decisions (R9, R10), their variations (R12) and early ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ... import commands as c
from ...aggregates.terms import Actor, ElementTerms, Outcome, VariedElementTerms
from ...errors import StateError
from ..authority import Authority, authority
from ..dispatch import handles


class DecisionHandlers(Authority):
    @handles("ProposeDecision")
    def _propose_decision(self, cmd: c.ProposeDecision, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        from ...aggregates import Decision, decision_uuid

        pool = self._managed_pool(cmd.pool_id, actor, read_only=True)
        pool.ensure_open(cmd.year)
        pool.ensure_year_in_pool(cmd.year)
        if self._find(Decision, decision_uuid(cmd.pool_id, cmd.decision_id),
                      read_only=True) is not None:
            raise StateError(f"decision {cmd.decision_id!r} already exists (R9)",
                             field="decision_id", code="decision_exists", rule="R9")
        elements = [
            ElementTerms(name=e.name, cost=e.amount,
                         cost_basis={} if e.cost is None else cost_basis(e.cost),
                         funding=dict(e.funding),
                         responsibility=None if e.responsibility is None
                         else dict(e.responsibility),
                         outcome=None if e.outcome is None else Outcome(
                             e.outcome.measure, e.outcome.price, e.outcome.max_count))
            for e in cmd.element_list()
        ]
        return [Decision.propose(
            pool_id=cmd.pool_id, decision_id=cmd.decision_id, year=cmd.year,
            case_ref=cmd.case_ref, category=cmd.category, start=cmd.start,
            planned_end=cmd.planned_end, elements=elements, members=pool.members(cmd.year),
            actor=actor, at=at)]

    @handles("ApproveDecision")
    def _approve_decision(self, cmd: c.ApproveDecision, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R10")
        decision.approve(cmd.partner, actor, at, pool.partner_order, *authority(pool, actor))
        return [decision]

    @handles("DeclineDecision")
    def _decline_decision(self, cmd: c.DeclineDecision, actor: Actor,
                          at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R10")
        decision.decline(cmd.partner, cmd.reason, actor, at, pool.partner_order,
                         authority(pool, actor)[0])
        return [decision]

    @handles("ProposeVariation")
    def _propose_variation(self, cmd: c.ProposeVariation, actor: Actor,
                           at: datetime) -> list[Aggregate]:
        pool, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R12", actor)
        elements: list[VariedElementTerms] | None = None
        if cmd.elements is not None:
            elements = [_varied(e.name, e.cost, e.funding, e.responsibility, e.outcome)
                        for e in cmd.elements]
        elif any(x is not None for x in (cmd.cost, cmd.funding, cmd.responsibility)):
            if len(decision.elements) != 1:
                raise StateError("top-level cost/funding/responsibility vary a one-element "
                                 "decision only; list the elements (R12)", field="elements",
                                 code="variation_needs_elements", rule="R12")
            name = next(iter(decision.elements))
            elements = [_varied(name, cmd.cost, cmd.funding, cmd.responsibility)]
        decision.propose_variation(
            variation_id=cmd.variation_id, reason=cmd.reason, effective_from=cmd.effective_from,
            planned_end=cmd.planned_end, elements=elements, members=pool.members(decision.year),
            actor=actor, at=at)
        return [decision]

    @handles("ApproveVariation")
    def _approve_variation(self, cmd: c.ApproveVariation, actor: Actor,
                           at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R12")
        decision.approve_variation(cmd.variation_id, cmd.partner, actor, at, pool.partner_order,
                                   *authority(pool, actor))
        return [decision]

    @handles("DeclineVariation")
    def _decline_variation(self, cmd: c.DeclineVariation, actor: Actor,
                           at: datetime) -> list[Aggregate]:
        pool, decision = self._answered_decision(cmd, actor, "R12")
        decision.decline_variation(cmd.variation_id, cmd.partner, cmd.reason, actor, at,
                                   pool.partner_order, authority(pool, actor)[0])
        return [decision]

    @handles("EndDecision")
    def _end_decision(self, cmd: c.EndDecision, actor: Actor, at: datetime) -> list[Aggregate]:
        _, decision = self._open_decision(
            cmd.pool_id, cmd.decision_id, "R12", actor)
        decision.end_early(cmd.ended_on, cmd.reason, actor, at)
        return [decision]


def cost_basis(cost: c.Cost) -> dict[str, str]:
    if cost.total is not None:
        return {"total": format(cost.total, "f")}
    return {"weekly": format(cost.weekly, "f"), "weeks": str(cost.weeks)}


def _varied(name: str, cost: c.Cost | None, funding: dict[str, Any] | None,
            responsibility: dict[str, Any] | None,
            outcome: c.VariedOutcome | None = None) -> VariedElementTerms:
    return VariedElementTerms(
        name=name,
        cost=None if cost is None else cost.amount,
        cost_basis=None if cost is None else cost_basis(cost),
        funding=None if funding is None else dict(funding),
        responsibility=None if responsibility is None else dict(responsibility),
        max_count=None if outcome is None else outcome.max_count,
        measure=None if outcome is None else outcome.measure,
        price=None if outcome is None else outcome.price,
    )
