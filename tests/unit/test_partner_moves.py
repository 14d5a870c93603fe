"""The movement rows' partners text (decision 0048): summed by partner, and refused when it is
not spelled as the projection spells it."""

from __future__ import annotations

import pytest

from pooledbudget.projections.partner_moves import summed_moves


def test_moves_are_summed_by_partner_and_column() -> None:
    texts = ["ASC:1000:1000:-1000:0 CFS:500:0:-500:0", "", "ASC:-1000:-1000:1000:0",
             "ICB:0:0:0:2500 ASC:0:0:7:0"]
    assert summed_moves(texts) == {"ASC": [0, 0, 7, 0], "CFS": [500, 0, -500, 0],
                                   "ICB": [0, 0, 0, 2500]}
    assert summed_moves([]) == {}


def test_a_code_that_is_the_start_of_another_is_kept_apart() -> None:
    assert summed_moves(["AS:1:1:1:1 ASC:10:10:10:10"]) == {"AS": [1, 1, 1, 1],
                                                            "ASC": [10, 10, 10, 10]}


@pytest.mark.parametrize("text", ["ASC:1:2:3", "ASC:1:2:3:4:5", "asc:1:2:3:4", "ASC:1:2:3:x",
                                  "ASC:1:2:3:4  CFS:1:1:1:1", "ASC 1:2:3:4", ":1:2:3:4",
                                  "ASC:1.5:2:3:4"])
def test_a_text_spelled_otherwise_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="CODE and four amounts"):
        summed_moves(["ASC:1:1:1:1", text])
