"""Calendar months as the integration reports take them: `2026-07`, in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from .errors import LedgerError

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class MonthError(LedgerError):
    code = "invalid_month"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """`2026-07` -> its first moment and the next month's (UTC, end exclusive)."""
    match = MONTH.fullmatch(month)
    if not match:
        raise MonthError(f"month {month!r} is not like 2026-07", field="month")
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    return start, datetime(year + (number == 12), 1 if number == 12 else number + 1, 1,
                           tzinfo=UTC)


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
