"""The table of targets (benchmarks/targets.py): graded from the run's figures, never guessed."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.targets import Target, grade, register  # noqa: E402

from benchmarks import targets  # noqa: E402


def _status(rows: list[targets.Graded], figure: str) -> str:
    return next(row.status for row in rows if row.target.figure == figure)


def test_a_target_whose_figure_is_missing_is_not_measured() -> None:
    rows = grade({"latency_growth": 1.1}, "postgresql", "quick")
    assert _status(rows, "verify_from_seal") == "not measured"
    assert next(r.ratio for r in rows if r.target.figure == "verify_from_seal") is None
    assert _status(rows, "latency_growth") == "met"


def test_bounds_in_both_directions_and_where_a_target_is_graded() -> None:
    ratios = {"import_vs_peer": 0.4, "startup_shares": 1.5, "catch_up": 0.49,
              "rebuild_memory_growth": 1.1}
    on_pg = grade(ratios, "postgresql", "quick")
    assert _status(on_pg, "import_vs_peer") == "missed"
    assert _status(on_pg, "startup_shares") == "met"  # the bound itself meets it
    assert _status(on_pg, "catch_up") == "missed"
    assert _status(on_pg, "rebuild_memory_growth") == "not graded"  # full size only
    assert _status(grade(ratios, "postgresql", "full"), "rebuild_memory_growth") == "met"
    assert _status(grade(ratios, "sqlite", "quick"), "import_vs_peer") == "not graded"
    assert _status(grade({"import_vs_peer": 1.0}, "postgresql", "quick"),
                   "import_vs_peer") == "met"


def test_every_issue_25_target_is_registered_once() -> None:
    figures = [t.figure for t in targets.TARGETS]
    assert len(figures) == len(set(figures))
    assert {"startup_shares", "as_at_vs_live", "as_at_growth", "verify_from_seal",
            "import_vs_peer", "latency_growth", "rebuild_memory_growth",
            "catch_up"} <= set(figures)


def test_register_replaces_a_target_of_the_same_figure() -> None:
    before = list(targets.TARGETS)
    try:
        register(Target("verify_from_seal", "≤", 0.2, "looser"))
        register(Target("new_figure", "≥", 2.0, "new"))
        rows = grade({"verify_from_seal": 0.15, "new_figure": 1.0}, "sqlite", "quick")
        assert _status(rows, "verify_from_seal") == "met"
        assert _status(rows, "new_figure") == "missed"
        assert [t.figure for t in targets.TARGETS].count("verify_from_seal") == 1
    finally:
        targets.TARGETS[:] = before
