"""Looking things up: a pool's decisions, one decision in full, one pool — as typed models.

Lists and pool figures come from the live read models (caught up first); one decision's terms
from its aggregate, its history from its own stream with feed positions (`Change`), so showing
a decision never scans the whole log.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from .aggregates import decision_uuid
from .application import LedgerApplication
from .feed import Change, StreamOrigins, change_from
from .money import fraction_to_str, from_exact, from_pence, is_whole_pence
from .projections import live_store, read_models_as_at
from .projections.tables import (
    closed_years,
    commitments,
    contributions,
    decisions,
    pools,
    spends,
)
from .reports import signatories
from .reports.models import SignatoriesReport
from .reports.pool_info import is_closed, pool_info


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class DecisionSummary(View):
    decision_id: str
    year: str
    category: str
    status: str  # proposed | approved | declined
    ended: bool
    start: str
    end: str  # the actual end if ended early, else the planned end
    cost: str
    spent: str  # net of reversals
    committed: str


class ElementView(View):
    name: str
    cost: str
    cost_basis: dict[str, str]  # {"weekly", "weeks"} or {"total"}
    funding: dict[str, str]  # the latest approved split
    responsibility: dict[str, str]
    funding_history: list[tuple[str | None, dict[str, str]]]  # (effective_from, split)
    spent: str  # exact, as n/d when not a whole number of pence


class ApprovalView(View):
    partner: str
    actor: str
    recorded_at: str
    position: int


class DeclineView(View):
    partner: str
    actor: str
    reason: str
    recorded_at: str
    position: int


class VariationView(View):
    variation_id: str
    status: str  # pending | applied | declined
    reason: str
    effective_from: str
    planned_end: str | None
    proposed_at: str
    approvals: list[ApprovalView]


class SpendView(View):
    invoice_ref: str
    amount: str
    service_date: str
    element_parts: dict[str, str]
    reversed: bool


class DecisionView(View):
    pool: str
    decision_id: str
    year: str
    case_ref: str
    category: str
    status: str
    start: str
    planned_end: str
    actual_end: str | None
    cost: str
    spent: str
    committed: str
    committed_by_partner: dict[str, str]
    required: list[str]  # partners whose approval the decision needed (R10)
    waiting_on: list[str]
    elements: list[ElementView]
    approvals: list[ApprovalView]
    declined: DeclineView | None  # the decline that declined the decision (R10), if any
    variations: list[VariationView]
    spends: list[SpendView]
    history: list[dict[str, Any]]  # the decision's events as the change feed gives them


class PartnerView(View):
    code: str
    name: str
    from_year: str


class YearView(View):
    year: str
    closed: bool
    agreed: str
    received: str
    decisions: int


class PoolView(View):
    pool: str
    name: str
    host: str
    partners: list[PartnerView]
    risk_share: dict[str, Any]
    years: list[YearView]
    signatories: SignatoriesReport | None  # the active signatory register, if the pool keeps one


def _money(pence: int | None) -> str:
    return str(from_pence(int(pence or 0)))


def list_decisions(ledger: LedgerApplication, pool: str, year: str | None = None,
                   status: str | None = None) -> list[DecisionSummary]:
    """The pool's decisions (of one year, with one status, if given), by year then id."""
    with read_models_as_at(ledger, None, pool, year, text=True).transaction() as conn:
        pool_info(conn, pool)  # a pool that does not exist is an error, not an empty list
        query = select(decisions).where(decisions.c.pool_id == pool)
        if year is not None:
            query = query.where(decisions.c.year == year)
        if status is not None:
            query = query.where(decisions.c.status == status)
        rows = list(conn.execute(query.order_by(decisions.c.year, decisions.c.decision_id)))
        spent: dict[str, int] = {key: value for key, value in conn.execute(
            select(spends.c.decision_id, func.sum(spends.c.amount_pence))
            .where(spends.c.pool_id == pool, spends.c.reversed.is_(False))
            .group_by(spends.c.decision_id))}
        committed: dict[str, int] = {key: value for key, value in conn.execute(
            select(commitments.c.decision_id, func.sum(commitments.c.amount_pence))
            .where(commitments.c.pool_id == pool).group_by(commitments.c.decision_id))}
    return [DecisionSummary(
        decision_id=r.decision_id, year=r.year, category=r.category, status=r.status,
        ended=r.ended, start=r.start.isoformat(), end=r.end.isoformat(),
        cost=_money(r.cost_pence), spent=_money(spent.get(r.decision_id)),
        committed=_money(committed.get(r.decision_id))) for r in rows]


def decision_history(ledger: LedgerApplication, pool: str, decision_id: str) -> list[Change]:
    """The decision's own events, oldest first, each with its feed position."""
    stream = decision_uuid(pool, decision_id)
    stop = ledger.recorder.max_notification_id() or 0
    select_stream = getattr(ledger.recorder, "select_stream", None)
    origins = StreamOrigins(ledger)
    if select_stream is None:  # a stock recorder: the feed, filtered
        return [c for c in ledger.changes(pool=pool) if c.stream == str(stream)]
    return [change_from(ledger, origins, n) for n in select_stream(stream, 0, 1_000_000, stop)]


def show_decision(ledger: LedgerApplication, pool: str, decision_id: str) -> DecisionView:
    """One decision: its terms and elements, approvals, variations, spend, commitment, history."""
    ledger.pool(pool, read_only=True)
    decision = ledger.decision(pool, decision_id)
    history = decision_history(ledger, pool, decision_id)
    pool_aggregate = ledger.pool(pool, read_only=True)
    order = pool_aggregate.members(decision.year)
    committed = decision.commitment_by_partner(order, pool_aggregate.is_closed(decision.year))
    return DecisionView(
        pool=pool, decision_id=decision_id, year=decision.year, case_ref=decision.case_ref,
        category=decision.category, status=decision.status, start=decision.start.isoformat(),
        planned_end=decision.planned_end.isoformat(),
        actual_end=None if decision.actual_end is None else decision.actual_end.isoformat(),
        cost=str(decision.cost), spent=str(from_pence(decision.spent_pence)),
        committed=str(sum(committed.values())),
        committed_by_partner={code: str(v) for code, v in committed.items()},
        required=list(decision.required), waiting_on=decision.waiting_on,
        elements=[_element(name, e) for name, e in decision.elements.items()],
        approvals=[_approval(c) for c in history if c.event == "DecisionShareApproved"],
        declined=next((DeclineView(partner=c.fields["partner"],
                                   actor=(c.actor or {}).get("id", ""), reason=c.reason or "",
                                   recorded_at=c.recorded_at.isoformat(), position=c.position)
                       for c in history if c.event == "DecisionDeclined"), None),
        variations=_variations(history),
        spends=[SpendView(invoice_ref=ref, amount=str(s.amount),
                          service_date=s.service_date.isoformat(),
                          element_parts=dict(s.element_parts), reversed=s.reversed)
                for ref, s in decision.spends.items()],
        history=[c.as_dict() for c in history])


def _element(name: str, e: Any) -> ElementView:
    def split(values: dict[str, Any]) -> dict[str, str]:
        return {code: format(pct, "f") for code, pct in values.items()}

    spent = e.spent  # R11: element parts are exact fractions of pounds
    return ElementView(
        name=name, cost=str(e.cost), cost_basis=dict(e.cost_basis), funding=split(e.funding.latest),
        responsibility=split(e.responsibility.latest),
        funding_history=[(None if when is None else when.isoformat(), split(values))
                         for when, values in e.funding.entries],
        spent=str(from_exact(spent)) if is_whole_pence(spent) else fraction_to_str(spent))


def _approval(change: Change) -> ApprovalView:
    return ApprovalView(partner=change.fields["partner"], actor=(change.actor or {}).get("id", ""),
                        recorded_at=change.recorded_at.isoformat(), position=change.position)


def _variations(history: list[Change]) -> list[VariationView]:
    found: dict[str, dict[str, Any]] = {}
    for c in history:
        variation = str(c.fields.get("variation_id"))
        if c.event == "VariationProposed":
            found[variation] = {"variation_id": variation, "status": "pending",
                                "reason": c.reason or "",
                                "effective_from": c.fields["effective_from"],
                                "planned_end": c.fields.get("planned_end"),
                                "proposed_at": c.recorded_at.isoformat(), "approvals": []}
        elif c.event == "VariationShareApproved":
            found[variation]["approvals"].append(_approval(c))
        elif c.event == "VariationApplied":
            found[variation]["status"] = "applied"
        elif c.event == "VariationDeclined":
            found[variation]["status"] = "declined"
    return [VariationView(**v) for v in found.values()]


def _register(ledger: LedgerApplication, pool: str) -> SignatoriesReport | None:
    found = signatories(ledger, pool)
    return found if found.verified else None


def show_pool(ledger: LedgerApplication, pool: str) -> PoolView:
    """A pool: partners in agreement order, host, risk-share rule, its years, its register.
    Under a cipher key the names come from the pool's aggregate (the read models keep none)."""
    store = live_store(ledger)
    with store.transaction() as conn:
        info = pool_info(conn, pool)
        name = conn.execute(select(pools.c.name).where(pools.c.pool_id == pool)).scalar_one()
        money: dict[str, list[int]] = {}
        for row in conn.execute(select(contributions).where(contributions.c.pool_id == pool)):
            sums = money.setdefault(row.year, [0, 0])
            sums[0] += row.agreed_pence
            sums[1] += row.received_pence
        counts: dict[str, int] = {key: value for key, value in conn.execute(
            select(decisions.c.year, func.count()).where(decisions.c.pool_id == pool)
            .group_by(decisions.c.year))}
        closed = set(conn.execute(select(closed_years.c.year)
                                  .where(closed_years.c.pool_id == pool)).scalars())
        years = sorted(set(money) | set(counts) | closed)
        years_closed = {year: is_closed(conn, pool, year) for year in years}
    partners = info.partners
    if not store.keeps_text:
        aggregate = ledger.pool(pool, read_only=True)
        name, partners = aggregate.name, aggregate.partners
    return PoolView(
        pool=pool, name=name, host=info.host,
        partners=[PartnerView(code=p["code"], name=p["name"], from_year=p["from_year"])
                  for p in partners],
        risk_share=info.risk_share,
        years=[YearView(year=y, closed=years_closed[y], agreed=_money(money.get(y, [0])[0]),
                        received=_money(money.get(y, [0, 0])[1]), decisions=counts.get(y, 0))
               for y in years],
        signatories=_register(ledger, pool))


__all__ = ["DecisionSummary", "DecisionView", "PoolView", "decision_history", "list_decisions",
           "show_decision", "show_pool"]
