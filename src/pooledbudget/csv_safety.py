"""CSV cells a spreadsheet will not run: text that opens with `= + - @`, a tab or a carriage
return is a formula (or becomes one) in Excel and LibreOffice, so such text gets a leading
single quote. A number (an amount such as `-12.50`) is left as it is: it is not a formula, and
finance teams sum the column."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(TRIGGERS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]
