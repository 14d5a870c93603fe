"""Finding 8: one bad line stopped the batch. `apply` decodes line by line: bad UTF-8 and deep
nesting are each a failed line (`invalid_command`) and the batch goes on; a byte-order mark
opening the file is skipped. No CLI command ends in a traceback, whatever it is given.

Seen failing before the fix: invalid UTF-8 on line 61 committed 50 lines and ended in a
traceback; 100,000 nested brackets gave `RecursionError` and the next line was never applied;
a UTF-8 byte-order mark failed line 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.support import SCENARIO, cli

PM = {"id": "pm-asc", "partner": "ASC", "role": "pool_manager"}


def _pool_line(pool: str) -> bytes:
    return json.dumps({
        "command": "EstablishPool", "pool_id": pool, "name": f"Pool {pool}", "host": "ASC",
        "partners": [{"code": "ASC", "name": "Adult Social Care"},
                     {"code": "ICB", "name": "NHS ICB"}],
        "first_year": "2026-27", "actor": PM}).encode() + b"\n"


def _apply(capsys: pytest.CaptureFixture[str], path: Path, db_url: str) -> tuple[int, list, str]:
    code, out, err = cli(capsys, "apply", str(path), "--db", db_url)
    return code, [json.loads(line) for line in out.splitlines()], err


def test_bad_bytes_and_deep_nesting_fail_alone(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [_pool_line(f"P{n}") for n in range(1, 61)]
    lines.insert(60, b'{"command": "EstablishPool", "name": "caf\xe9 \xff"}\n')  # line 61
    lines.insert(61, b"[" * 100_000 + b"]" * 100_000 + b"\n")  # line 62
    lines.append(_pool_line("LAST"))  # line 63
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"".join(lines))
    code, results, err = _apply(capsys, feed, db_url)
    assert code == 1 and err == ""
    assert [r["line"] for r in results] == list(range(1, 64))
    failed = {r["line"]: r["error"] for r in results if not r["ok"]}
    assert set(failed) == {61, 62}
    assert all(e["code"] == "invalid_command" for e in failed.values())
    assert "UTF-8" in failed[61]["message"] and "nests too deeply" in failed[62]["message"]
    assert results[-1]["ok"] and results[-1]["command"] == "EstablishPool"


def test_a_byte_order_mark_is_skipped_and_line_1_applied(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "bom.jsonl"
    feed.write_bytes(b"\xef\xbb\xbf" + _pool_line("BOM") + _pool_line("TWO"))
    code, results, err = _apply(capsys, feed, db_url)
    assert code == 0 and err == "", results
    assert [r["ok"] for r in results] == [True, True]


HOSTILE_ARGUMENTS = [
    ["verify", "--db", "sqlite:///{tmp}/x\x00y.db"],
    ["verify", "--db", "nonsense"],
    ["verify", "--db", "postgresql://u:S3cretPW@127.0.0.1:1/db"],
    ["verify", "--db", "postgresql://u:S3cretPW@host:99999/db"],
    ["verify", "--db", "sqlite:///{tmp}"],
    ["history", "--pool", "FRP", "--db", "sqlite:///{tmp}/../../../../../../../../etc/passwd"],
    ["report", "shares", "--pool", "FRP", "--year", "2026-27", "--as-at", "yesterday",
     "--db", "sqlite:///{ledger}"],
    ["report", "shares", "--pool", "FRP", "--year", "2026-28", "--db", "sqlite:///{ledger}"],
    ["report", "risk-share", "--pool", "FRP", "--year", "1999-00", "--db", "sqlite:///{ledger}"],
    ["report", "approvals", "--pool", "FRP", "--as-of", "2027-02-30",
     "--db", "sqlite:///{ledger}"],
    ["board-pack", "--pool", "FRP", "--year", "2025-26", "--db", "sqlite:///{ledger}",
     "-o", "{tmp}/pack.html"],
    ["board-pack", "--pool", "FRP", "--year", "2026-27", "--tolerance", "inf",
     "--db", "sqlite:///{ledger}", "-o", "{tmp}/pack.html"],
    ["export", "ledger", "--pool", "FRP", "--year", "2026-27", "--db", "sqlite:///{ledger}",
     "-o", "{tmp}/no/such/dir/out.csv"],
    ["export", "transparency", "--pool", "FRP", "--quarter", "2026-Q9",
     "--db", "sqlite:///{ledger}"],
    ["apply", "{tmp}", "--db", "sqlite:///{tmp}/new.db"],
    ["apply", "{tmp}/missing.jsonl", "--db", "sqlite:///{tmp}/new.db"],
    ["apply", str(SCENARIO), "--db", "sqlite:///{tmp}/notes.txt"],
    ["projections", "rebuild", "--db", "sqlite:///{tmp}/missing.db"],
    ["demo", "--db-file", "{tmp}"],
]


@pytest.fixture
def hostile_home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    from tests.hostile.support import scenario_ledger

    ledger = tmp_path / "ledger.db"
    scenario_ledger(capsys, f"sqlite:///{ledger}")
    (tmp_path / "notes.txt").write_text("plain text, not a database\n")
    return {"tmp": str(tmp_path), "ledger": str(ledger)}


@pytest.mark.parametrize("argv", HOSTILE_ARGUMENTS, ids=lambda a: " ".join(a[:2]))
def test_no_command_ends_in_a_traceback(
    hostile_home: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Each is one clear line on stderr and exit 2 (never a traceback, never a password)."""
    args = [part.format(**hostile_home) for part in argv]
    code, _, err = cli(capsys, *args)
    assert code == 2, err
    assert "Traceback" not in err
    if err.startswith("usage:"):  # argparse: the usage, then one line naming the argument
        assert err.strip().splitlines()[-1].startswith("pooledbudget "), err
    else:
        assert err.startswith("pooledbudget") and len(err.strip().splitlines()) == 1, err
    assert "S3cretPW" not in err


def test_as_a_process_a_hostile_feed_gives_no_traceback(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\xff\xfe\x00garbage\n" + b"{" * 200_000 + b"\n")
    done = subprocess.run([sys.executable, "-m", "pooledbudget.cli", "apply", str(feed), "--db",
                           f"sqlite:///{tmp_path / 'l.db'}"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 1 and done.stderr == ""
    assert [json.loads(r)["error"]["code"] for r in done.stdout.splitlines()] == [
        "invalid_command", "invalid_command"]
