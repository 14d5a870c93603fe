"""Dividing a year's outturn among partners by the pool's risk-share rule (rule R18)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .money import allocate, exact_money, split_weights, weights_from_amounts


def share_outturn(
    outturn: Decimal,
    risk_share: Mapping[str, Any],
    agreed: Mapping[str, Decimal],
    order: list[str],
    host: str,
) -> dict[str, Decimal]:
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
    weights = weights_from_amounts({code: Fraction(agreed.get(code, Decimal(0))) for code in order})
    if not weights:
        weights = {host: Fraction(1)}
    if rule != "capped" or outturn <= 0:
        return allocate(outturn, weights, order)
    caps = {code: Fraction(Decimal(v)) for code, v in risk_share.get("caps", {}).items()}
    return _capped(Fraction(outturn), weights, caps, order, host)


def _capped(
    outturn: Fraction, weights: dict[str, Fraction], caps: dict[str, Fraction], order: list[str],
    host: str,
) -> dict[str, Decimal]:
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
    parts = {code: exact_money(cap) for code, cap in capped.items()}
    rest_money = exact_money(outturn - sum(capped.values(), Fraction(0)))
    free = {code: w for code, w in weights.items() if code not in capped}
    total = sum(free.values(), Fraction(0))
    result = {code: Decimal("0.00") for code in order}
    result.update(parts)
    if free and total:
        shares = allocate(rest_money, {c: w / total for c, w in free.items()}, order)
        for code in free:
            result[code] += shares[code]
    else:
        result[host] += rest_money
    return result
