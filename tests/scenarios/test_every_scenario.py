"""Every worked scenario kept in the repository, through the CLI on both backends: exactly the
listed lines fail under the listed rules, the repeated line is a duplicate, a second apply
changes nothing, and every figure of its expected file is reported, live and as at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.cli import main
from scenario_figures import as_expected

COPIES = Path(__file__).parent / "data"
NAMES = sorted(p.name.removesuffix(".errors.json") for p in COPIES.glob("*.errors.json"))
KINDS = {"shares": "shares", "cost_shift": "cost-shift", "risk_share": "risk-share"}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def apply(capsys: pytest.CaptureFixture[str], source: Path, db: str) -> list[dict[str, Any]]:
    code, out = cli(capsys, "apply", str(source), "--db", db, "--use-command-time",
                    *future_flag())
    assert code == 1  # every scenario has lines that must fail
    return [json.loads(line) for line in out.splitlines()]


def future_flag() -> list[str]:
    """Scenario years run past today: where `apply` checks for future times, they are allowed."""
    import argparse

    from pooledbudget.cli import build_parser

    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    flags = {o for a in sub.choices["apply"]._actions for o in a.option_strings}
    return ["--allow-future-times"] if "--allow-future-times" in flags else []


def stored(db: str) -> int:
    ledger = open_ledger(db)
    try:
        return ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()


@pytest.mark.parametrize("name", NAMES)
def test_the_listed_lines_fail_under_their_rules_and_nothing_else(
        name: str, db_url: str, scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = scenario_dir / f"{name}.jsonl"
    errors = json.loads((scenario_dir / f"{name}.errors.json").read_text())
    rules = {e["line"]: e["rule"] for e in errors if "rule" in e}
    duplicates = {e["line"] for e in errors if e.get("duplicate")}
    results = apply(capsys, source, db_url)
    total = sum(1 for line in source.read_text().splitlines() if line.strip())
    assert [r["line"] for r in results] == list(range(1, total + 1))
    for result in results:
        line = result["line"]
        if line in rules:
            assert not result["ok"], result
            assert result["error"]["rule"] == rules[line], result
        else:
            assert result["ok"], result
            assert result["duplicate"] is (line in duplicates), result
    before = stored(db_url)
    again = apply(capsys, source, db_url)
    assert stored(db_url) == before
    assert all(r["duplicate"] for r in again if r["ok"])
    assert [r["line"] for r in again if not r["ok"]] == sorted(rules)


def report(capsys: pytest.CaptureFixture[str], db: str, pool: str, kind: str,
           *extra: str) -> dict[str, Any]:
    code, out = cli(capsys, "report", kind, "--pool", pool, "--db", db, *extra)
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.mark.parametrize("name", NAMES)
def test_every_expected_figure_is_reported_live_and_as_at(
        name: str, db_url: str, scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = scenario_dir / f"{name}.jsonl"
    expected = json.loads((scenario_dir / f"{name}.expected.json").read_text())
    pool = json.loads(source.read_text().splitlines()[0])["pool_id"]
    apply(capsys, source, db_url)
    for section, extra in (("final", ()), ("as_at", ("--as-at", expected["as_at"]["time"]))):
        figures = expected[section]
        for key, kind in KINDS.items():
            for want in figures.get(key, []):
                got = report(capsys, db_url, pool, kind, "--year", want["year"], *extra)
                assert as_expected(got, want) == want, (section, kind)
        if "approvals" in figures:
            want = figures["approvals"]
            got = report(capsys, db_url, pool, "approvals", "--as-of", want["as_of"])
            assert as_expected(got, want) == want, section
