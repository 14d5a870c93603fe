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


def test_as_at_floor_starts_at_a_checkpoint_and_stays_before_the_live_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`benchmarks.as_at --floor` (decision 0048): the first as-at is at the very event a
    checkpoint follows, the others at the pool's later events, each recorded before the log's
    last (else the live report would be timed twice)."""
    from benchmarks.as_at import as_at_floor
    from benchmarks.runner import _grow, _pool_history
    from sqlalchemy import select

    from pooledbudget.application import open_ledger
    from pooledbudget.projections.live import live_store
    from pooledbudget.projections.tables import checkpoints

    monkeypatch.setenv("POOLEDBUDGET_CHECKPOINT_EVERY", "40")
    ledger = open_ledger(f"sqlite:///{tmp_path / 'floor.db'}")
    _grow(ledger, _pool_history(1), 1500)
    rows = as_at_floor(ledger)
    with live_store(ledger).transaction() as conn:
        positions = set(conn.execute(select(checkpoints.c.position)).scalars())
    assert rows[0]["pool_events_after_checkpoint"] == 0
    assert rows[0]["position"] in positions
    afters = [row["pool_events_after_checkpoint"] for row in rows]
    assert afters == sorted(set(afters)) and afters[-1] < 40
    assert [row["position"] for row in rows] == sorted(row["position"] for row in rows)
    newest = ledger.last_recorded_time()
    for row in rows:
        note = ledger.recorder.select_notifications(start=int(row["position"]), limit=1)[0]
        assert ledger.mapper.to_domain_event(note).timestamp < newest
        assert row["as_at_p50_ms"] > 0 and row["live_p50_ms"] > 0
    ledger.close()
