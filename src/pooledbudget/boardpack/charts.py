"""The pack's charts, drawn by matplotlib as inline SVG (text kept as text, no external refs).

Floats appear here only to draw: every figure a reader sees is also in the table beside the chart,
printed from the exact Decimal. Figures use matplotlib's object API (no pyplot global state).
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, cast

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .data import BoardPackData
from .wording import short_name

matplotlib.use("Agg")

INK, MUTED, GRID = "#1f2933", "#616e7c", "#d9dee4"
BLUE, TEAL, RED, GREEN, AMBER = "#1d5fa8", "#5aa9a0", "#b3261e", "#2e7d32", "#b26a00"
RC: dict[str, Any] = {"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 9,
      "axes.edgecolor": GRID, "axes.labelcolor": INK, "xtick.color": MUTED, "ytick.color": MUTED,
      "axes.spines.top": False, "axes.spines.right": False}
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


def _style(**extra: Any) -> AbstractContextManager[None]:
    """The pack's matplotlib settings, for this figure only (no global state is changed)."""
    return matplotlib.rc_context(cast(Any, {**RC, **extra}))


def _pounds(value: float, _pos: object = None) -> str:
    sign = "−" if value < 0 else ""
    value = abs(value)
    if value >= 1000:
        return f"{sign}£{value / 1000:,.0f}k"
    return f"{sign}£{value:,.0f}"


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig: Figure, name: str, label: str) -> str:
    """The figure as an `<svg>` element for inlining: no XML prolog, DOCTYPE or metadata, ids
    unique to this chart, scaled to its container."""
    out = io.StringIO()
    with _style(**{"svg.hashsalt": name}):
        fig.savefig(out, format="svg", metadata=_NO_METADATA, transparent=True)
    text = out.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                  rf'<svg role="img" aria-label="{label}" class="chart" \1', text, count=1)
    return text


def _label(data: BoardPackData, code: str) -> str:
    """A partner's name for an axis, without its parenthetical, wrapped to short lines."""
    return "\n".join(textwrap.wrap(short_name(data.partners.get(code, code)), 18))


def _float(value: Decimal | str) -> float:
    return float(Decimal(value))  # drawing only


def shares_chart(data: BoardPackData) -> str:
    """Contribution share beside spend share, per partner."""
    with _style():
        fig = _figure(4.2, 2.6)
        ax = fig.add_subplot()
        codes = [p.partner for p in data.shares.partners][::-1]
        labels = [_label(data, c) for c in codes]
        rows = {p.partner: p for p in data.shares.partners}
        y = range(len(codes))
        ax.barh([i + 0.2 for i in y], [_float(rows[c].contribution_share) for c in codes], 0.38,
                color=BLUE, label="Contribution share")
        ax.barh([i - 0.2 for i in y], [_float(rows[c].spend_share) for c in codes], 0.38,
                color=TEAL, label="Share of spend")
        ax.set_yticks(list(y), labels)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}%"))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return _svg(fig, "shares", "Contribution share and share of spend by partner")


def cost_shift_chart(data: BoardPackData) -> str:
    """Net cost shift per partner: right of zero it carries others' costs, left it is carried."""
    with _style():
        fig = _figure(4.2, 0.5 + 0.36 * max(len(data.cost_shift.net), 2))
        ax = fig.add_subplot()
        codes = list(data.cost_shift.net)[::-1]
        values = [_float(data.cost_shift.net[c]) for c in codes]
        ax.barh([_label(data, c) for c in codes], values, 0.55,
                color=[GREEN if v > 0 else RED for v in values])
        ax.axvline(0, color=MUTED, linewidth=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(_pounds))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel("net shift (+ carries others' costs, − carried by others)", fontsize=8)
        return _svg(fig, "cost-shift", "Net cost shift by partner")


def trend_chart(data: BoardPackData) -> str:
    """Spend in each month (bars), forecast outturn and budget at each month's end (lines)."""
    with _style():
        fig = _figure(7.0, 2.3)
        ax = fig.add_subplot()
        labels = [p.month.strftime("%b %y") for p in data.months]
        x = list(range(len(labels)))
        ax.bar(x, [_float(p.spent_in_month) for p in data.months], 0.6, color=TEAL,
               label="Spend in month")
        ax.plot(x, [_float(p.spent_to_date) for p in data.months], color=BLUE, linewidth=1.4,
                linestyle="--", label="Spend to date")
        ax.plot(x, [_float(p.forecast) for p in data.months], color=RED, linewidth=1.8,
                marker="o", markersize=3, label="Forecast outturn")
        ax.step(x, [_float(p.budget) for p in data.months], where="mid", color=INK, linewidth=1,
                label="Budget (agreed)")
        ax.set_xticks(x, labels, fontsize=7.5)
        ax.yaxis.set_major_formatter(FuncFormatter(_pounds))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        top = max([_float(p.forecast) for p in data.months] + [_float(p.budget) for p in data.months]
                  + [1.0])
        ax.set_ylim(0, top * 1.08)
        fig.legend(loc="outside lower center", frameon=False, fontsize=7.5, ncols=4)
        return _svg(fig, "trend", "Monthly spend and forecast outturn")


def partner_bar_chart(name: str, label: str, values: Sequence[tuple[str, Decimal]],
                      colour: str = BLUE) -> str:
    """One bar per partner (or category) with a pounds axis."""
    with _style():
        fig = _figure(4.2, 0.5 + 0.36 * max(len(values), 2))
        ax = fig.add_subplot()
        names = [n for n, _ in values][::-1]
        amounts = [_float(v) for _, v in values][::-1]
        ax.barh(names, amounts, 0.55, color=[colour if v >= 0 else GREEN for v in amounts])
        ax.axvline(0, color=MUTED, linewidth=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(_pounds))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        return _svg(fig, name, label)


def risk_chart(data: BoardPackData) -> str:
    allocation = data.risk_share.allocation
    return partner_bar_chart("risk-share", "Risk share by partner",
                             [(_label(data, c), Decimal(v)) for c, v in allocation.items()], AMBER)


def category_chart(data: BoardPackData) -> str:
    return partner_bar_chart("categories", "Spend by category",
                             [(c, s) for c, s, _ in data.categories], TEAL)
