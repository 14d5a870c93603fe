"""Dividing a year's outturn among partners by the pool's risk-share rule (rule R18)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .money import (
    ZERO,
    Money,
    allocate,
    exact,
    from_exact,
    split_weights,
    weights_from_amounts,
)


def share_outturn(
    outturn: Money,
    risk_share: Mapping[str, Any],
    agreed: Mapping[str, Money],
    order: list[str],
    host: str,
) -> dict[str, Money]:
    """Each partner's part of `outturn` (positive: overspend to bear; negative: return).

    `proportional` divides by contribution share (R8); `fixed` by the agreement's percentages;
    `capped` is proportional, but an overspend part above a partner's cap is re-shared among the
    partners under their caps, repeated exactly until none is exceeded; capped partners bear their
    caps, the rest is divided by R4 once, and if everyone is capped the host bears what is left.
    Returns are never capped.
    """
    rule = risk_share.get("rule", "proportional")
    if rule == "fixed":
        percentages = {k: Decimal(v) for k, v in risk_share["percentages"].items()}
        return allocate(outturn, split_weights(percentages), order)
    weights = weights_from_amounts({code: exact(agreed.get(code, ZERO)) for code in order})
    if not weights:
        weights = {host: Fraction(1)}
    if rule != "capped" or outturn <= ZERO:
        return allocate(outturn, weights, order)
    caps = {code: exact(Money.of(v)) for code, v in risk_share.get("caps", {}).items()}
    return _capped(exact(outturn), weights, caps, order, host)


def _capped(
    outturn: Fraction, weights: dict[str, Fraction], caps: dict[str, Fraction], order: list[str],
    host: str,
) -> dict[str, Money]:
    """R18's capped rule on exact fractions of pounds; capped parts are whole pence (caps are
    money), so the rest is too, and R4 divides it once."""
    capped: dict[str, Fraction] = {}
    while True:
        free = {code: w for code, w in weights.items() if code not in capped}
        rest = outturn - sum(capped.values(), Fraction(0))
        total = sum(free.values(), Fraction(0))
        if not free or total == 0:
            break
        over = {code for code, w in free.items()
                if code in caps and rest * w / total > caps[code]}
        if not over:
            break
        capped.update({code: caps[code] for code in over})
    parts = {code: from_exact(cap) for code, cap in capped.items()}
    rest_money = from_exact(outturn - sum(capped.values(), Fraction(0)))
    free = {code: w for code, w in weights.items() if code not in capped}
    total = sum(free.values(), Fraction(0))
    result = dict.fromkeys(order, ZERO)
    result.update(parts)
    if free and total:
        shares = allocate(rest_money, {c: w / total for c, w in free.items()}, order)
        for code in free:
            result[code] = result[code] + shares[code]
    else:
        result[host] = result[host] + rest_money
    return result
