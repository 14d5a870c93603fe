"""`report shares --format json` prints the report from plain data, without building its pydantic
model (decision 0041): the text must be the one the model's `model_dump_json(indent=2)` writes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backends import ledger_url
from ledger_sequences import apply_all, command_sequences
from pooledbudget import reports
from pooledbudget.application import open_ledger
from pooledbudget.reports.models import SharesReport
from unit.helpers import POOL, YEAR

# Any text a field could hold: control characters, quotes, backslashes, non-ASCII and characters
# beyond the Basic Multilingual Plane; not lone surrogates, which no UTF-8 text can carry.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
ROW = ("agreed", "received", "contribution_share", "committed", "spent", "spend_share",
       "available", "contingent", "forecast")
TOTAL = ("agreed", "received", "committed", "spent", "available", "contingent", "forecast")


@st.composite
def shares_data(draw: st.DrawFn) -> dict[str, Any]:
    partners = [{"partner": draw(TEXT), **{k: draw(TEXT) for k in ROW}}
                for _ in range(draw(st.integers(0, 3)))]
    return {"pool": draw(TEXT), "year": draw(TEXT), "as_at": draw(st.none() | TEXT),
            "partners": partners, "total": {k: draw(TEXT) for k in TOTAL}}


def plain_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


@given(shares_data())
def test_plain_json_is_the_text_the_model_writes(data: dict[str, Any]) -> None:
    """For any shares report data, whatever text its fields hold, the JSON the command line
    writes from the plain data is character for character the JSON pydantic writes for the
    model built from it."""
    assert plain_json(data) == SharesReport.model_validate(data).model_dump_json(indent=2)


@given(command_sequences())
def test_shares_data_is_the_shares_report(commands: list[dict[str, Any]]) -> None:
    """On any generated ledger the plain data `reports.shares_data` gives is the shares report
    `reports.shares` gives, field for field and in its JSON text, live and as at the middle of
    the history."""
    ledger = open_ledger(ledger_url())
    try:
        apply_all(ledger, commands)
        middle = datetime.fromisoformat(commands[len(commands) // 2]["at"])
        for as_at in (None, middle):
            data = reports.shares_data(ledger, POOL, YEAR, as_at)
            model = reports.shares(ledger, POOL, YEAR, as_at)
            assert SharesReport.model_validate(data) == model
            assert plain_json(data) == model.model_dump_json(indent=2)
    finally:
        ledger.close()
