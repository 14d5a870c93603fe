"""The board pack as one self-contained HTML file: inline CSS and SVG, A4 pages, no fetches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from html import escape

from . import charts
from .data import BoardPackData
from .style import CSS
from .wording import capitalise, flow_sentences, gbp, in_sentence, pct

RATING_TEXT = {"red": "Red", "amber": "Amber", "green": "Green"}


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "",
           numeric_from: int = 1, total: Sequence[str] | None = None) -> str:
    def cells(row: Sequence[str], tag: str) -> str:
        return "".join(f'<{tag}{" class=num" if i >= numeric_from else ""}>{escape(c)}</{tag}>'
                       for i, c in enumerate(row))
    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    foot = f"<tfoot><tr>{cells(total, 'th')}</tr></tfoot>" if total else ""
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f"<table>{cap}<thead><tr>{cells(header, 'th')}</tr></thead>"
            f"<tbody>{body}</tbody>{foot}</table>")


def _figure(svg: str, table: str, wide: bool = False) -> str:
    layout = "figure wide" if wide else "figure"
    return f'<div class="{layout}"><div class="plot">{svg}</div><div class="data">{table}</div></div>'


def _sheet(title: str, body: str, data: BoardPackData, number: int, pages: int) -> str:
    return (f'<section class="sheet"><header class="running"><span>{escape(data.pool_name)} · '
            f'{escape(data.year)}</span><span>{escape(title)}</span></header>{body}'
            f'<footer class="running"><span>{escape(_position(data))}</span>'
            f"<span>Page {number} of {pages}</span></footer></section>")


def _position(data: BoardPackData) -> str:
    status = "year closed" if data.risk_share.closed else "year open"
    if data.as_at:
        return f"Ledger as at {data.as_at.astimezone(UTC):%d %B %Y %H:%M} UTC · {status}"
    return f"Produced {datetime.now(UTC):%d %B %Y %H:%M} UTC from every recorded event · {status}"


def _rule(data: BoardPackData) -> str:
    rule = str(data.risk_rule.get("rule", "proportional"))
    if rule == "fixed":
        parts = ", ".join(f"{c} {pct(v)}" for c, v in data.risk_rule.get("percentages", {}).items())
        return f"fixed ({parts})"
    if rule == "capped":
        caps = ", ".join(f"{c} at {gbp(v)}" for c, v in data.risk_rule.get("caps", {}).items())
        return f"capped (proportional to contributions; {caps} for overspends)"
    return "proportional (by contribution share)"


def _headline(data: BoardPackData) -> str:
    t = data.shares.total
    over = "over" if data.variance > 0 else "under"
    tiles = [("Budget (agreed contributions)", gbp(t.agreed)), ("Spend to date", gbp(t.spent)),
             ("Commitments", gbp(t.committed)), ("Forecast outturn", gbp(t.forecast)),
             ("Variance", f"{gbp(data.variance, sign=True)} ({pct(data.variance_pct)})")]
    tile_html = "".join(f'<div class="tile"><div class="label">{escape(k)}</div>'
                        f'<div class="value">{escape(v)}</div></div>' for k, v in tiles)
    rating = data.rating
    summary = (f"The pool is forecast to spend {gbp(t.forecast)} against a budget of "
               f"{gbp(t.agreed)}: {gbp(abs(data.variance))} ({pct(abs(data.variance_pct))}) "
               f"{over} budget. Rated <strong>{RATING_TEXT[rating]}</strong> against a tolerance of "
               f"{pct(data.tolerance)}. Contributions received so far: {gbp(t.received)}.")
    return (f'<div class="headline"><div class="rag rag-{rating}" aria-label="rating {rating}">'
            f"{RATING_TEXT[rating]}</div>{tile_html}</div><p class=summary>{summary}</p>")


def _contributions(data: BoardPackData) -> str:
    rows, notes = [], []
    for c in data.contributions:
        varied = "; ".join(f"{v.recorded_on:%d/%m/%Y} {gbp(v.previous)} → {gbp(v.amount)}"
                           for v in c.variations) or "none"
        ratio = pct(c.received * 100 / c.revised) if c.revised else "–"
        rows.append([f"{c.partner} {data.partners[c.partner]}", gbp(c.original), varied,
                     gbp(c.revised), pct(c.share), gbp(c.received), ratio])
        notes += [f"{c.partner}, {v.recorded_on:%d %B %Y}: {gbp(v.previous)} to {gbp(v.amount)} "
                  f"({gbp(v.amount - v.previous, sign=True)}) — {v.reason}" for v in c.variations]
    t = data.shares.total
    total = ["Total", gbp(sum((c.original for c in data.contributions), Decimal(0))), "",
             gbp(t.agreed), "100.00%", gbp(t.received),
             pct(Decimal(t.received) * 100 / Decimal(t.agreed)) if Decimal(t.agreed) else "–"]
    table = _table(["Partner", "Original pledge", "Variations", "Revised", "Share", "Received",
                    "Received of agreed"], rows, "Contributions by partner", total=total)
    reasons = "".join(f"<li>{escape(n)}</li>" for n in notes) or "<li>No variations.</li>"
    return f"<h2>Contributions</h2>{table}<h3>Variations and reasons</h3><ul>{reasons}</ul>"


def _shares(data: BoardPackData) -> str:
    rows = [[p.partner, pct(p.contribution_share), pct(p.spend_share), gbp(p.spent)]
            for p in data.shares.partners]
    table = _table(["Partner", "Contribution share", "Share of spend", "Spent"],
                   rows, "Shares by partner (R19)")
    return f"<h2>Contribution share and share of spend</h2>{_figure(charts.shares_chart(data), table)}"


def _spend(data: BoardPackData) -> tuple[str, str]:
    rows = [[d.decision_id, d.category, d.status, gbp(d.cost), gbp(d.spent), gbp(d.committed)]
            for d in data.decisions]
    total = ["Total", "", "", gbp(sum((d.cost for d in data.decisions if d.status == "approved"),
                                       Decimal(0))) + " approved",
             gbp(data.shares.total.spent), gbp(data.shares.total.committed)]
    decisions = _table(["Decision", "Category", "Status", "Cost", "Spent", "Committed"], rows,
                       "Spend by decision", numeric_from=3, total=total)
    categories = _table(["Category", "Spent", "Committed"],
                        [[c, gbp(s), gbp(m)] for c, s, m in data.categories], "Spend by category")
    return (f"<h2>Spend by decision</h2>{decisions}", f"<h2>Spend by category</h2>"
            f"{_figure(charts.category_chart(data), categories)}")


def _cost_shift(data: BoardPackData) -> str:
    cs = data.cost_shift
    codes = list(cs.funded)
    sentences = flow_sentences(cs.matrix, data.partners)
    said = "".join(f"<li>{escape(s)}</li>" for s in sentences) or (
        "<li>No partner carried another's costs: each funded exactly what it is responsible "
        "for.</li>")
    net = _table(["Partner", "Funded", "Responsible", "Net shift"],
                 [[c, gbp(cs.funded[c]), gbp(cs.responsible[c]), gbp(cs.net[c], sign=True)]
                  for c in codes], "Funded and responsible (R20)")
    matrix = _table(["Costs of ↓ carried by →", *codes],
                    [[c, *("–" if c == b else gbp(cs.matrix.get(c, {}).get(b, "0")) for b in codes)]
                     for c in codes], "Cost-shift matrix: row partner's costs paid by column partner")
    return (f"<h2>Cost shift</h2><ul class=flows>{said}</ul>"
            f"{_figure(charts.cost_shift_chart(data), net)}{matrix}")


def _risk(data: BoardPackData) -> str:
    rs = data.risk_share
    state = "closed" if rs.closed else "projected"
    outturn = Decimal(rs.outturn)
    kind = "overspend" if outturn > 0 else "underspend" if outturn < 0 else "nil outturn"
    rule = _rule(data)
    rows = [[f"{c} {data.partners.get(c, c)}", gbp(v)] for c, v in rs.allocation.items()]
    table = _table(["Partner", "Share of outturn"], rows, f"Risk share ({state})",
                   total=["Total", gbp(rs.outturn)])
    return (f"<h2>Risk share ({state})</h2><p>The year's {state} outturn is a {kind} of "
            f"{gbp(abs(outturn))} (spend {gbp(rs.spent_total)}"
            f"{'' if rs.closed else ' plus commitments'} against {gbp(rs.agreed_total)} agreed), "
            f"divided by the {escape(rule)} rule (R18).</p>{_figure(charts.risk_chart(data), table)}")


def _trend(data: BoardPackData) -> str:
    rows = [[p.month.strftime("%b %Y"), gbp(p.spent_in_month), gbp(p.spent_to_date),
             gbp(p.forecast), gbp(p.budget)] for p in data.months]
    table = _table(["Month", "Spend in month", "Spend to date", "Forecast outturn at month end",
                    "Budget"], rows, "Monthly spend and forecast (by recording date)")
    return f"<h2>Monthly spend and forecast</h2>{_figure(charts.trend_chart(data), table, wide=True)}"


def _approvals(data: BoardPackData) -> str:
    rows = [[p.decision_id, p.variation_id or "decision", ", ".join(
        f"{c} {data.partners.get(c, c)}" for c in p.waiting_on), str(p.days_waiting)]
            for p in data.approvals.pending]
    if not rows:
        return (f"<h2>Approvals pending</h2><p>None pending as of "
                f"{data.approvals_as_of:%d %B %Y}.</p>")
    return ("<h2>Approvals pending</h2>"
            + _table(["Decision", "Awaiting approval of", "Waiting on", "Days waiting"], rows,
                     f"Oldest first, as of {data.approvals_as_of:%d %B %Y} (R21)", numeric_from=3))


def _anchor(data: BoardPackData) -> str:
    """The pool's ledger head when the pack was made: kept with the pack, it lets anyone check
    later that the ledger still holds everything the pack was made from."""
    if data.ledger_head is None:
        return ""
    digest = str(data.ledger_head["head"])
    return (f'<p class="anchor">Ledger head: <code>{escape(digest)}</code> (event '
            f'{data.ledger_head["seq"]} of the pool). Check it with <code>pooledbudget verify '
            f'--pool {escape(data.pool_id)} --expect-head {escape(digest)}</code>.</p>')


def render(data: BoardPackData) -> str:
    by_decision, by_category = _spend(data)
    pages = [("Summary", _headline(data) + _contributions(data) + _shares(data)),
             ("Trend and spend", _trend(data) + by_decision),
             ("Spend by category and cost shift", by_category + _cost_shift(data)),
             ("Risk share and approvals", _risk(data) + _approvals(data) + _anchor(data))]
    title = f"{data.pool_name} — board pack {data.year}"
    cover = (f"<h1>{escape(title)}</h1><p class=sub>{escape(data.pool_id)} · host "
             f"{escape(capitalise(in_sentence(data.partners.get(data.host, data.host))))} · "
             f"{escape(_position(data))}</p>")
    sheets = "".join(_sheet(name, (cover if i == 0 else "") + body, data, i + 1, len(pages))
                     for i, (name, body) in enumerate(pages))
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{sheets}</body></html>")
