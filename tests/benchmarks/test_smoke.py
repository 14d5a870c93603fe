"""The benchmark runs end to end at a tiny size and yields every ratio (no timing assertions)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.generator import PoolSpec, as_lines, generate  # noqa: E402
from benchmarks.runner import main, run  # noqa: E402

from conftest import pg_base_url  # noqa: E402

EXPECTED = {"command_path", "batch_import", "batch_import_per_command", "catch_up", "rebuild",
            "verify", "latency_growth", "rebuild_memory_growth", "as_at_start", "as_at_middle",
            "as_at_end", "follow_growth", "funds_catch_up", "funds_report_growth",
            "funds_as_at_growth", "years_as_at_growth", "verify_from_seal", "verify_walk",
            "import_vs_peer", "startup_shares",
            *(f"contention_{mode}_{writers}_{stat}" for mode in ("one", "different")
              for writers in (4, 8) for stat in ("p50", "p99"))}


def test_generator_is_deterministic_by_seed() -> None:
    spec = PoolSpec(pools=2, decisions=3, weeks=3, reversals=0.2)
    assert as_lines(generate(spec, seed=5)) == as_lines(generate(spec, seed=5))
    assert as_lines(generate(spec, seed=5)) != as_lines(generate(spec, seed=6))


def test_tiny_run_produces_every_ratio_as_a_positive_number(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    out = tmp_path / "bench.json"
    main(["--size", "tiny", "--json", str(out)])
    figures = {f["name"]: f for f in json.loads(out.read_text())["figures"]}
    assert set(figures) >= EXPECTED
    assert any(name.startswith("latency_at_") for name in figures)
    for name, figure in figures.items():
        assert isinstance(figure["ratio"], float), name
        assert math.isfinite(figure["ratio"]) and figure["ratio"] > 0, name
    assert "command_path" in capsys.readouterr().out  # the table was printed


def test_tiny_run_on_postgresql(request: pytest.FixtureRequest) -> None:
    report = run(pg_base_url(request), "tiny")
    assert set(report.ratios()) >= EXPECTED
    assert all(r > 0 for r in report.ratios().values())
