"""The board pack as one self-contained HTML file: inline CSS and SVG, A4 pages, no fetches.

Main sheets are one printed page each and hold what a board reads; the month-end position
follows (one page: a row per partner), then the appendices, each as
many pages as its list needs; the closing note ends the pack. Printed, every page carries
"Page i of N" from the page's own margin box, so N is the printed document's real page count.
"""

from __future__ import annotations

from html import escape

from . import month_end, outcomes, sections
from .data import BoardPackData
from .listing import Appendices
from .notes import how_made
from .style import CSS
from .wording import capitalise, in_sentence


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _page_css(data: BoardPackData) -> str:
    """The printed page's margin boxes: where the ledger stood, and the page number."""
    return ("@page { @bottom-left { content: " + _css_string(sections.position(data)) + "; "
            "font: 7.5pt sans-serif; color: #4a5561; } "
            "@bottom-right { content: \"Page \" counter(page) \" of \" counter(pages); "
            "font: 7.5pt sans-serif; color: #4a5561; } }")


def _sheet(title: str, body: str, data: BoardPackData, kind: str, ident: str = "") -> str:
    ident_attr = f' id="{ident}"' if ident else ""
    return (f'<section class="sheet {kind}"{ident_attr} aria-label="{escape(title)}">'
            f'<header class="running"><span>{escape(data.pool_name)} · {escape(data.year)}</span>'
            f"<span>{escape(title)}</span></header>{body}</section>")


def main_sheets(data: BoardPackData, appendices: Appendices) -> list[tuple[str, str]]:
    """(title, body) of each main sheet; builders add to `appendices` the lists they cut short."""
    s = sections
    return [
        ("Summary", s.headline(data) + s.contributions(data) + s.shares(data)),
        ("Trend and spend by category", s.trend(data) + s.categories(data)),
        ("Spend by decision", s.decisions(data, appendices)),
        ("Cost shift and risk share", s.cost_shift(data) + s.risk(data)),
        *([("Outcome payments", outcomes.section(data, appendices))] if data.has_outcomes else []),
        ("Approvals and sign-offs", s.approvals(data, appendices) + s.sign_offs(data, appendices)),
    ]


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
    appendices = Appendices()
    pages = main_sheets(data, appendices)
    title = f"{data.pool_name} — board pack {data.year}"
    host = capitalise(in_sentence(data.partners.get(data.host, data.host)))
    cover = (f"<h1>{escape(title)}</h1><p class=sub>Pool {escape(data.pool_id)} · hosted by "
             f"{escape(host)} · {escape(sections.position(data))}</p>")
    parts = [_sheet(name, (cover if i == 0 else "") + body, data, "main")
             for i, (name, body) in enumerate(pages)]
    parts.append(_sheet(month_end.title(data), month_end.sheet(data), data, "statement"))
    parts += [_sheet(name, body, data, "appendix", anchor)
              for anchor, name, body in appendices.sheets()]
    parts.append(_sheet("How these figures are made", how_made(data) + _anchor(data), data,
                        "appendix note"))
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}{_page_css(data)}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>")
