"""The worked scenario through the CLI: exactly the listed lines fail, under the listed rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.cli import main


def run_apply(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    code = main(["apply", *args])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return code, lines


def test_scenario_fails_exactly_the_listed_lines(
    db_url: str, scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = scenario_dir / "family_recovery_pool.jsonl"
    expected = json.loads((scenario_dir / "family_recovery_pool.expected.json").read_text())
    db = db_url
    code, results = run_apply(capsys, str(source), "--db", db, "--use-command-time", "--allow-future-times")
    want = {item["line"]: item["rule"] for item in expected["failing_lines"]}
    total = sum(1 for line in source.read_text().splitlines() if line.strip())
    assert [r["line"] for r in results] == list(range(1, total + 1))
    assert code == 1
    for result in results:
        if result["line"] in want:
            assert not result["ok"], result
            assert result["error"]["rule"] == want[result["line"]], result
        else:
            assert result["ok"], result
    assert results[82]["duplicate"] is True
    assert results[82]["events"] == results[1]["events"]
    assert all(not r.get("duplicate") for i, r in enumerate(results) if i != 82)


def stored_events(db: str) -> int:
    ledger = open_ledger(db)
    try:
        return sum(1 for _ in ledger.recorder.select_notifications(start=1, limit=1_000_000))
    finally:
        ledger.close()


def test_applying_the_scenario_twice_changes_nothing(
    db_url: str, scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = scenario_dir / "family_recovery_pool.jsonl"
    run_apply(capsys, str(source), "--db", db_url, "--use-command-time", "--allow-future-times")
    before = stored_events(db_url)
    code, second = run_apply(capsys, str(source), "--db", db_url, "--use-command-time",
                             "--allow-future-times")
    assert code == 1
    assert before > 100
    assert stored_events(db_url) == before
    assert all(r["duplicate"] for r in second if r["ok"])


def test_repository_copies_match_the_scenario(scenario_dir: Path) -> None:
    """The demo's packaged copy and the tests' copy are byte for byte the shared scenario."""
    repo = Path(__file__).resolve().parents[2]
    for name in ("family_recovery_pool.jsonl", "family_recovery_pool.expected.json"):
        assert (repo / "tests/scenarios/data" / name).read_bytes() == (scenario_dir / name).read_bytes()
    name = "family_recovery_pool.jsonl"
    assert (repo / "src/pooledbudget/scenarios" / name).read_bytes() == (scenario_dir / name).read_bytes()
