"""Paying for outcomes, in words for a board: what outcome payments have cost, what they still
could cost, and which partners paid for outcomes that were another's.

Only a pool with outcome elements in the year hears of them. The most the unearned outcomes
could still cost (the shares report's contingent total) stands beside the forecast outturn on
the summary, never inside it; the outcomes sheet takes its figures from the outcomes report.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from .data import BoardPackData
from .listing import Appendices, Column, Listing, pick
from .wording import capitalise, gbp, in_sentence, plural

TOP_OUTCOMES = 10
ZERO = Decimal("0.00")
EXPOSURE_LABEL = "Outcome payments not yet earned (not in the forecast)"


def _name(data: BoardPackData, code: str) -> str:
    return capitalise(in_sentence(data.partners.get(code, code)))


def exposure_tile(data: BoardPackData) -> list[tuple[str, str]]:
    """The summary's tile beside the forecast outturn; none when the pool pays for no outcomes."""
    return [(EXPOSURE_LABEL, f"up to {gbp(data.exposure)}")] if data.has_outcomes else []


def exposure(data: BoardPackData) -> str:
    """One paragraph under the headline: the most unearned outcomes could add, and by partner."""
    if not data.has_outcomes:
        return ""
    if not data.exposure:
        return ("<p class=exposure>Every outcome the pool pays for has been paid in full or "
                "closed: no outcome payment is still to be earned.</p>")
    by_partner = "; ".join(f"{escape(data.partners.get(p.partner, p.partner))} up to "
                           f"{gbp(p.contingent)}" for p in data.shares.partners
                           if Decimal(p.contingent))
    return (f"<p class=exposure>Outcome payments not yet earned could cost up to "
            f"{gbp(data.exposure)} more, if every outcome still open is achieved up to its "
            f"maximum ({by_partner}). This is kept apart from the forecast outturn and the "
            "variance, which count only payments made and firm commitments.</p>")


def partner_sentences(data: BoardPackData) -> list[str]:
    """One sentence per partner: its outcome payments against the outcomes it answers for."""
    report = data.outcomes
    if report is None:
        return []
    out = []
    for p in report.partners:
        who, funded, own = _name(data, p.partner), Decimal(p.funded), Decimal(p.responsible)
        gap = funded - own
        if not funded and not own:
            out.append(f"{who} paid nothing towards outcome payments, and none were for its "
                       "outcomes.")
        elif gap > 0:
            out.append(f"{who} paid {gbp(funded)} towards outcome payments, {gbp(gap)} more than "
                       f"its own outcomes cost ({gbp(own)}): {gbp(gap)} went to outcomes that were "
                       "other partners' responsibility.")
        elif gap < 0:
            out.append(f"{who} paid {gbp(funded)} towards outcome payments, {gbp(-gap)} less than "
                       f"its own outcomes cost ({gbp(own)}): other partners paid the "
                       f"{gbp(-gap)}.")
        else:
            out.append(f"{who} paid {gbp(funded)} towards outcome payments, exactly what its own "
                       "outcomes cost.")
    return out


def section(data: BoardPackData, appendices: Appendices) -> str:
    """The outcomes sheet: the outcomes that matter most, the others in one row, who paid whose."""
    report = data.outcomes
    if report is None or not report.outcomes:
        return ""
    items = report.outcomes
    paid = [Decimal(o.paid) for o in items]
    left = [Decimal(o.remaining) for o in items]
    rows: list[list[str | Decimal]] = [
        [o.decision_id, o.measure, Decimal(o.price), f"{o.count_paid:,} of {o.max_count:,}",
         Decimal(o.paid), Decimal(o.price) * o.max_count, Decimal(o.remaining)] for o in items]
    shown = pick(items, TOP_OUTCOMES, lambda i: paid[i] + left[i])
    listing = Listing("outcomes", "Outcome payments by outcome", "outcomes", "outcome",
                      [Column("Decision"), Column("Outcome paid for"),
                       Column("Price", numeric=True), Column("Achieved (of maximum)", numeric=True),
                       Column("Paid", summed=True), Column("Maximum", summed=True),
                       Column("Could still be paid", summed=True)], rows, shown)
    total_paid, total_left = sum(paid, ZERO), sum(left, ZERO)
    lead = (f"<p>{plural(len(items), 'outcome')} paid for by results this year: "
            f"{gbp(total_paid)} paid so far, and up to {gbp(total_left)} more could be paid if "
            "every outcome still open is achieved up to its maximum (not in the forecast "
            "outturn)."
            + (f" The table shows the {TOP_OUTCOMES} with the most paid and still payable; the "
               "others are added up in one row." if shown is not None else "") + "</p>")
    said = "".join(f"<li>{escape(s)}</li>" for s in partner_sentences(data))
    return (f"<h2>Outcome payments</h2>{lead}{appendices.main_table(listing)}"
            f"<h3>Who paid for whose outcomes</h3><ul class=flows>{said}</ul>")
