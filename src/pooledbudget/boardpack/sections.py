"""The pack's sections, each the HTML of one part of a sheet, in words for a board.

Partners are named, not coded; no rule numbers appear here (they are in the closing note,
`notes.py`). Long lists go through `listing.Appendices`: the sheet shows what matters most.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from types import ModuleType

from ..money import Money, percentage
from . import outcomes
from .data import BoardPackData
from .listing import Appendices, Column, Listing, pick
from .wording import article, flow_sentences, gbp, pct, plural, short_name

RATING_TEXT = {"red": "Red", "amber": "Amber", "green": "Green"}
STATUS = {"proposed": "awaiting approval", "approved": "approved", "declined": "declined"}
OUTCOME = {"approved": "approved", "first_signature": "first of two signatures",
           "declined": "declined"}
TOP_DECISIONS, PENDING_DECISIONS, TOP_APPROVALS, TOP_SIGN_OFFS, TOP_FLOWS = 15, 5, 10, 10, 6


def table(header: list[str], rows: list[list[str]], caption: str, numeric_from: int = 1,
          total: list[str] | None = None, ident: str = "", css: str = "") -> str:
    """A short table (a row per partner, category or month), every row shown."""
    def cells(row: list[str], body: bool) -> str:
        out = []
        for i, c in enumerate(row):
            cls = " class=num" if i >= numeric_from else ""
            tag = "th" if i == 0 and body else ("th" if not body else "td")
            scope = ' scope="row"' if i == 0 and body else (' scope="col"' if not body else "")
            out.append(f"<{tag}{scope}{cls}>{escape(c)}</{tag}>")
        return "".join(out)
    body = "".join(f"<tr>{cells(r, True)}</tr>" for r in rows)
    foot = f"<tfoot><tr>{cells(total, True)}</tr></tfoot>" if total else ""
    ident_attr = (f' id="{ident}"' if ident else "") + (f' class="{css}"' if css else "")
    return (f"<table{ident_attr}><caption>{escape(caption)}</caption><thead><tr>"
            f"{cells(header, False)}</tr></thead><tbody>{body}</tbody>{foot}</table>")


def charts() -> ModuleType:
    """The chart module, imported on first use: matplotlib loads only when a pack is drawn."""
    from . import charts as module

    return module


def figure(svg: str, table_html: str, table_id: str, wide: bool = False) -> str:
    """A chart and the table holding its figures; the chart names the table as its description."""
    svg = svg.replace('role="img"', f'role="img" aria-describedby="{table_id}"', 1)
    layout = "figure wide" if wide else "figure"
    return f'<div class="{layout}"><div class="plot">{svg}</div><div class="data">{table_html}</div></div>'


def name(data: BoardPackData, code: str) -> str:
    return data.partners.get(code, code)


def position(data: BoardPackData) -> str:
    status = "year closed" if data.risk_share.closed else "year open"
    if data.as_at:
        return f"Ledger as at {data.as_at.astimezone(UTC):%d %B %Y %H:%M} UTC · {status}"
    return f"Produced {datetime.now(UTC):%d %B %Y %H:%M} UTC from every recorded event · {status}"


def risk_rule(data: BoardPackData) -> str:
    rule = str(data.risk_rule.get("rule", "proportional"))
    if rule == "fixed":
        parts = ", ".join(f"{name(data, c)} {pct(v)}"
                          for c, v in data.risk_rule.get("percentages", {}).items())
        return f"fixed-percentage rule ({parts})"
    if rule == "capped":
        caps = ", ".join(f"{name(data, c)} at {gbp(v)}" for c, v in data.risk_rule.get("caps", {}).items())
        return f"capped rule (in proportion to contributions, overspends capped: {caps})"
    return "proportional rule (in proportion to each partner's contribution)"


def authority(data: BoardPackData) -> str:
    """One plain sentence on whether approvals were checked against a signatory register."""
    register = data.signatories
    if register is None or not register.verified:
        return ("Authority to approve is not verified by a signatory register: this pool has "
                "none, so approvals are recorded as the partners gave them.")
    people = plural(len(register.signatories), "signatory", "signatories")
    two = (f" Amounts above {gbp(register.two_signatures_above)} need two signatures."
           if register.two_signatures_above is not None else "")
    return (f"Authority to approve is verified against the pool's signatory register, which "
            f"lists {people}.{two}")


def headline(data: BoardPackData) -> str:
    t = data.shares.total
    over = "over" if data.variance > 0 else "under"
    tiles = [("Budget (agreed contributions)", gbp(t.agreed)), ("Spend to date", gbp(t.spent)),
             ("Commitments", gbp(t.committed)), ("Forecast outturn", gbp(t.forecast)),
             ("Variance", f"{gbp(data.variance, sign=True)} ({pct(data.variance_pct)})")]
    aside = outcomes.exposure_tile(data)  # beside the forecast, never in it
    tile_html = "".join(f'<div class="tile{" aside" if (k, v) in aside else ""}">'
                        f'<div class="label">{escape(k)}</div>'
                        f'<div class="value">{escape(v)}</div></div>' for k, v in tiles + aside)
    rating = RATING_TEXT[data.rating]
    summary = (f"The pool is forecast to spend {gbp(t.forecast)} against a budget of "
               f"{gbp(t.agreed)}: {gbp(abs(data.variance))} ({pct(abs(data.variance_pct))}) "
               f"{over} budget. Rated <strong>{rating}</strong> against a tolerance of "
               f"{pct(data.tolerance)}. Contributions received so far: {gbp(t.received)}.")
    wide = " six" if aside else ""
    return (f'<div class="headline{wide}"><div class="rag rag-{data.rating}">Rating: {rating}</div>'
            f"{tile_html}</div><p class=summary>{summary}</p>{outcomes.exposure(data)}"
            f"<p class=authority>{escape(authority(data))}</p>")


def contributions(data: BoardPackData) -> str:
    rows, notes = [], []
    for c in data.contributions:
        varied = "; ".join(f"{v.recorded_on:%d/%m/%Y} {gbp(v.previous)} → {gbp(v.amount)}"
                           for v in c.variations) or "none"
        ratio = (pct(percentage(Money.of(c.received), Money.of(c.revised), 2)) if c.revised
                 else "–")
        rows.append([name(data, c.partner), gbp(c.original), varied, gbp(c.revised), pct(c.share),
                     gbp(c.received), ratio])
        notes += [f"{name(data, c.partner)}, {v.recorded_on:%d %B %Y}: {gbp(v.previous)} to "
                  f"{gbp(v.amount)} ({gbp(v.amount - v.previous, sign=True)}) — {v.reason}"
                  for v in c.variations]
    t = data.shares.total
    total = ["Total", gbp(sum((c.original for c in data.contributions), Decimal(0))), "",
             gbp(t.agreed), "100.00%", gbp(t.received),
             pct(percentage(Money.of(t.received), Money.of(t.agreed), 2))
             if Money.of(t.agreed) else "–"]
    html = table(["Partner", "Original pledge", "Variations", "Revised", "Share", "Received",
                  "Received of agreed"], rows, "Contributions by partner", total=total)
    reasons = "".join(f"<li>{escape(n)}</li>" for n in notes) or "<li>No variations.</li>"
    return f"<h2>Contributions</h2>{html}<h3>Variations and reasons</h3><ul>{reasons}</ul>"


def shares(data: BoardPackData) -> str:
    rows = [[name(data, p.partner), pct(p.contribution_share), pct(p.spend_share), gbp(p.spent)]
            for p in data.shares.partners]
    html = table(["Partner", "Contribution share", "Share of spend", "Spent"], rows,
                 "Contribution share and share of spend by partner", ident="shares-table")
    return ("<h2>Contribution share and share of spend</h2>"
            + figure(charts().shares_chart(data), html, "shares-table"))


def trend(data: BoardPackData) -> str:
    rows = [[p.month.strftime("%b %Y"), gbp(p.spent_in_month), gbp(p.spent_to_date),
             gbp(p.forecast), gbp(p.budget)] for p in data.months]
    html = table(["Month", "Spend in month", "Spend to date", "Forecast outturn at month end",
                  "Budget"], rows, "Monthly spend and forecast (by recording date)",
                 ident="trend-table")
    return ("<h2>Monthly spend and forecast</h2>"
            + figure(charts().trend_chart(data), html, "trend-table", wide=True))


def categories(data: BoardPackData) -> str:
    html = table(["Category", "Spent", "Committed"],
                 [[c, gbp(s), gbp(m)] for c, s, m in data.categories], "Spend by category",
                 ident="categories-table")
    return f"<h2>Spend by category</h2>{figure(charts().category_chart(data), html, 'categories-table')}"


def decisions(data: BoardPackData, appendices: Appendices) -> str:
    items = sorted(data.decisions, key=lambda d: d.decision_id)
    rows: list[list[str | Decimal]] = [
        [d.decision_id, d.category, STATUS.get(d.status, d.status), d.cost, d.spent, d.committed]
        for d in items]
    shown = pick(items, TOP_DECISIONS, lambda i: items[i].spent + items[i].committed,
                 must=lambda i: items[i].status == "proposed", must_limit=PENDING_DECISIONS)
    listing = Listing("decisions", "Spend by decision", "decisions", "decision",
                      [Column("Decision"), Column("Category"), Column("Status"),
                       Column("Cost", summed=True), Column("Spent", summed=True),
                       Column("Committed", summed=True)], rows, shown)
    approved = sum((d.cost for d in items if d.status == "approved"), Decimal(0))
    waiting = [d for d in items if d.status == "proposed"]
    lead = (f"<p>{plural(len(items), 'decision')} this year. "
            + (f"The table shows the {TOP_DECISIONS} largest by spend and commitment and the largest "
               f"{PENDING_DECISIONS} awaiting approval; the others are added up in one row. "
               if shown is not None else "")
            + f"Of the total cost, {gbp(approved)} is approved"
            + (f" and {gbp(sum((d.cost for d in waiting), Decimal(0)))} awaits approval "
               f"({plural(len(waiting), 'decision')})" if waiting else "") + ".</p>")
    return f"<h2>Spend by decision</h2>{lead}{appendices.main_table(listing)}"


def cost_shift(data: BoardPackData) -> str:
    cs = data.cost_shift
    codes = list(cs.funded)
    sentences = flow_sentences(cs.matrix, data.partners)
    said = "".join(f"<li>{escape(s)}</li>" for s in sentences[:TOP_FLOWS])
    if len(sentences) > TOP_FLOWS:
        said += (f"<li>{plural(len(sentences) - TOP_FLOWS, 'smaller flow')}, each in the matrix "
                 "below.</li>")
    said = said or ("<li>No partner carried another's costs: each funded exactly what it is "
                    "responsible for.</li>")
    net = table(["Partner", "Funded", "Responsible", "Net shift"],
                [[name(data, c), gbp(cs.funded[c]), gbp(cs.responsible[c]),
                  gbp(cs.net[c], sign=True)] for c in codes],
                "What each partner funded and what it is responsible for", ident="cost-shift-table")
    matrix = table(["Costs of ↓ carried by →", *(short_name(name(data, c)) for c in codes)],
                   [[short_name(name(data, c)), *("–" if c == b else gbp(cs.matrix.get(c, {}).get(b, "0"))
                                                  for b in codes)] for c in codes],
                   "Cost-shift matrix: the row partner's costs paid by the column partner",
                   css="matrix")
    return (f"<h2>Cost shift</h2><ul class=flows>{said}</ul>"
            f"{figure(charts().cost_shift_chart(data), net, 'cost-shift-table')}{matrix}")


def risk(data: BoardPackData) -> str:
    rs = data.risk_share
    state = "closed" if rs.closed else "projected"
    outturn = Decimal(rs.outturn)
    kind = "overspend" if outturn > 0 else "underspend" if outturn < 0 else "nil outturn"
    rows = [[name(data, c), gbp(v)] for c, v in rs.allocation.items()]
    html = table(["Partner", "Share of outturn"], rows, f"Risk share ({state})",
                 total=["Total", gbp(rs.outturn)], ident="risk-table")
    return (f"<h2>Risk share ({state})</h2><p>The year's {state} outturn is {article(kind)} of "
            f"{gbp(abs(outturn))} (spend {gbp(rs.spent_total)}"
            f"{'' if rs.closed else ' plus commitments'} against {gbp(rs.agreed_total)} agreed), "
            f"divided by the {escape(risk_rule(data))}.</p>"
            f"{figure(charts().risk_chart(data), html, 'risk-table')}")


def _waiting(data: BoardPackData, code: str, first_signed: list[str]) -> str:
    """A partner still to approve; one with the first of its two signatures says so."""
    if code in first_signed:
        return f"{name(data, code)} (one of two signatures given, waiting for the second)"
    return name(data, code)


def approvals(data: BoardPackData, appendices: Appendices) -> str:
    pending = data.approvals.pending
    as_of = f"{data.approvals_as_of:%d %B %Y}"
    if not pending:
        return f"<h2>Approvals pending</h2><p>None pending as of {as_of}.</p>"
    rows: list[list[str | Decimal]] = [
        [p.decision_id, "the decision" if p.variation_id is None else f"variation {p.variation_id}",
         ", ".join(_waiting(data, c, p.first_signature) for c in p.waiting_on),
         f"{p.days_waiting:,}"] for p in pending]
    shown = list(range(TOP_APPROVALS)) if len(rows) > TOP_APPROVALS else None
    listing = Listing("approvals", f"Approvals pending as of {as_of}, oldest first",
                      "pending approvals", "pending approval",
                      [Column("Decision"), Column("Awaiting approval of"), Column("Waiting on"),
                       Column("Days waiting", numeric=True)], rows, shown, total_label=None)
    return (f"<h2>Approvals pending</h2><p>{plural(len(rows), 'approval')} pending, the oldest "
            f"waiting {pending[0].days_waiting:,} days.</p>{appendices.main_table(listing)}")


def sign_offs(data: BoardPackData, appendices: Appendices) -> str:
    report = data.sign_offs
    if report is None:
        return ""
    items = report.sign_offs
    if not items:
        return "<h2>Sign-offs</h2><p>No approvals signed this year.</p>"
    rows: list[list[str | Decimal]] = [
        [s.decision_id + (f" ({s.variation_id})" if s.variation_id else ""), name(data, s.partner),
         s.actor, OUTCOME.get(s.outcome, s.outcome),
         "–" if s.amount is None else gbp(s.amount),
         "no limit" if s.limit is None else gbp(s.limit), s.recorded_at[:10]] for s in items]
    cost = {d.decision_id: d.cost for d in data.decisions}  # when no amount was signed for

    def size(i: int) -> Decimal:
        signed = items[i].amount
        return Decimal(signed) if signed is not None else cost.get(items[i].decision_id, Decimal(0))

    shown = pick(items, TOP_SIGN_OFFS, size,
                 must=lambda i: items[i].outcome != "approved", must_limit=5)
    listing = Listing("sign-offs", "Sign-offs this year", "sign-offs", "sign-off",
                      [Column("Decision"), Column("Partner"), Column("Signed by"),
                       Column("Outcome"), Column("Amount", numeric=True),
                       Column("Signer's limit", numeric=True), Column("Date", numeric=True)],
                      rows, shown, total_label=None)
    lead = (f"<p>{plural(len(items), 'sign-off')} this year"
            + (f"; the table shows the {TOP_SIGN_OFFS} largest (by the amount signed for, else the "
               "decision's cost) and up to five declines or first of two signatures"
               if shown is not None else "") + ".</p>")
    return f"<h2>Sign-offs</h2>{lead}{appendices.main_table(listing)}"
