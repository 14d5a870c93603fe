"""Before/after: refactoring must not change what the worked scenario does.

`data/family_recovery_pool.snapshot.json` was recorded from the command line before the house
work of issue 19 (docs, layers, messages); `data/signatory_pool.snapshot.json` as soon as the
scheme of delegation (R27-R31) landed, to guard the module split that follows. For every line of
the scenario the `apply` result (ok, command, events, duplicate; or the error's code, rule and
field; never the message, which may be reworded), and every figure of every report, now and as the
ledger stood at earlier times.
The test applies the scenario again and requires every recorded value to be there, unchanged.
Reports may gain fields (later rules add some), so a recorded object must be contained in the
new one; lists must keep their length and order.

Re-record (only when a rule's behaviour is meant to change, and say so in the commit):
    python -m tests.scenarios.test_before_after --record family_recovery_pool
"""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.cli import main

DATA = Path(__file__).resolve().parent / "data"
YEAR = "2026-27"
# scenario -> (pool, recording times for --as-at, dates for approvals --as-of, reports of the register)
SCENARIOS: dict[str, tuple[str, tuple[str | None, ...], tuple[str, ...], bool]] = {
    "family_recovery_pool": ("FRP", (None, "2026-06-01T00:00:00", "2026-10-01T12:00:00",
                                     "2027-01-15T00:00:00"),
                             ("2026-06-30", "2026-10-01", "2027-02-10", "2027-04-30"), False),
    "signatory_pool": ("MCP", (None, "2026-04-01T10:00:00", "2026-04-01T13:00:00"),
                       ("2026-04-01", "2026-04-10"), True),
}


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def _result(line: dict[str, Any]) -> dict[str, Any]:
    """An apply result without its message."""
    if line["ok"]:
        return {k: line[k] for k in ("line", "ok", "command", "events", "duplicate")}
    error = line["error"]
    return {"line": line["line"], "ok": False, "command": line["command"],
            "code": error["code"], "rule": error["rule"], "field": error["field"]}


def _future_times() -> list[str]:
    """`--allow-future-times` where `apply` has it: the scenario's year runs past today."""
    import argparse

    from pooledbudget.cli import build_parser

    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction) and \
                "--allow-future-times" in action.choices["apply"].format_help():
            return ["--allow-future-times"]
    return []


def _report(*args: str) -> Any:
    rc, text = _cli("report", *args)
    assert rc == 0, args
    return json.loads(text)


def snapshot(name: str, db: str) -> dict[str, Any]:
    """Apply scenario `name` to the empty database `db`; every result and report figure."""
    pool, times, days, register = SCENARIOS[name]
    code, out = _cli("apply", str(DATA / f"{name}.jsonl"), "--db", db, "--use-command-time",
                     *_future_times())
    taken: dict[str, Any] = {"apply_exit": code,
                             "apply": [_result(json.loads(line)) for line in out.splitlines()]}
    reports: dict[str, Any] = {}
    for at in times:
        when = ["--as-at", at] if at else []
        for kind in ("shares", "cost-shift", "risk-share"):
            reports[f"{kind} as at {at or 'now'}"] = _report(
                kind, "--pool", pool, "--year", YEAR, "--db", db, *when)
        if register:
            reports[f"signatories as at {at or 'now'}"] = _report(
                "signatories", "--pool", pool, "--db", db, *when)
    for day in days:
        reports[f"approvals as of {day}"] = _report("approvals", "--pool", pool, "--as-of", day,
                                                    "--db", db)
    if register:
        reports["sign-offs"] = _report("sign-offs", "--pool", pool, "--year", YEAR, "--db", db)
    taken["reports"] = reports
    return taken


def differences(recorded: Any, now: Any, where: str = "$") -> list[str]:
    """Where `now` lacks or changes a value of `recorded` (objects may gain keys)."""
    if isinstance(recorded, dict):
        if not isinstance(now, dict):
            return [f"{where}: was an object, now {now!r}"]
        found: list[str] = []
        for key, value in recorded.items():
            if key not in now:
                found.append(f"{where}.{key}: missing")
            else:
                found += differences(value, now[key], f"{where}.{key}")
        return found
    if isinstance(recorded, list):
        if not isinstance(now, list) or len(now) != len(recorded):
            return [f"{where}: was {recorded!r}, now {now!r}"]
        return [d for i, (a, b) in enumerate(zip(recorded, now, strict=True))
                for d in differences(a, b, f"{where}[{i}]")]
    return [] if recorded == now else [f"{where}: was {recorded!r}, now {now!r}"]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_scenario_applies_and_reports_as_recorded(name: str, tmp_path: Path) -> None:
    recorded = json.loads((DATA / f"{name}.snapshot.json").read_text(encoding="utf-8"))
    now = snapshot(name, f"sqlite:///{tmp_path / 'ledger.db'}")
    assert len(recorded["apply"]) > 40 and len(recorded["reports"]) >= 12
    assert any(not line["ok"] for line in recorded["apply"])
    assert differences(recorded, now) == []


def test_the_comparison_sees_a_changed_figure_or_a_lost_field() -> None:
    """The check itself can fail: a changed amount, rule or lost field is reported."""
    recorded = {"apply": [{"ok": False, "rule": "R14"}], "r": {"total": {"spent": "1.00"}}}
    assert differences(recorded, {"apply": [{"ok": False, "rule": "R13"}],
                                  "r": {"total": {"spent": "1.00"}}}) == [
        "$.apply[0].rule: was 'R14', now 'R13'"]
    assert differences(recorded, {"apply": [{"ok": False, "rule": "R14"}],
                                  "r": {"total": {}}}) == ["$.r.total.spent: missing"]
    assert differences(recorded, {"apply": [{"ok": False, "rule": "R14"}],
                                  "r": {"total": {"spent": "1.00", "contingent": "0.00"}}}) == []


if __name__ == "__main__" and "--record" in sys.argv:
    # python -m tests.scenarios.test_before_after --record NAME
    import tempfile

    name = sys.argv[sys.argv.index("--record") + 1]
    target = DATA / f"{name}.snapshot.json"
    with tempfile.TemporaryDirectory() as tmp:
        target.write_text(json.dumps(snapshot(name, f"sqlite:///{tmp}/ledger.db"), indent=1) + "\n",
                          encoding="utf-8")
    print(f"recorded {target}")
