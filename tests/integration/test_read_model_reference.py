"""docs/reference/read-models.md documents every read-model table and column there is."""

from __future__ import annotations

import re
from pathlib import Path

from pooledbudget.projections.tables import metadata

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "read-models.md"


def documented() -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {}
    current = None
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if heading := re.fullmatch(r"### `(pb_\w+)`", line):
            current = tables.setdefault(heading[1], set())
        elif current is not None and (row := re.match(r"\| `(\w+)` \|", line)):
            current.add(row[1])
    return tables


def test_the_read_model_reference_lists_every_table_and_column() -> None:
    actual = {name: {c.name for c in table.columns} for name, table in metadata.tables.items()}
    assert documented() == actual
