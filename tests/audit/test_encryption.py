"""Encryption at rest: stored state is unreadable without the key, and chains verify the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.audit.history import history
from pooledbudget.audit.verify import verify
from pooledbudget.batch import apply_lines
from pooledbudget.cli import main
from pooledbudget.persistence import CIPHER_KEY_VARIABLE, new_key


def record_scenario(path: Path, scenario_dir: Path) -> list[str]:
    """Applies the worked scenario; returns every event's hash in log order."""
    app = open_ledger(f"sqlite:///{path}")
    lines = (scenario_dir / "family_recovery_pool.jsonl").read_text().splitlines()
    list(apply_lines(app, lines, use_command_time=True, allow_future_times=True))
    hashes = [app.mapper.to_domain_event(n).hash
              for n in app.recorder.select_notifications(start=1, limit=10_000)]
    app.close()
    return hashes


def test_the_chain_survives_encryption_at_rest(
    tmp_path: Path, scenario_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same history recorded plain and encrypted has identical hashes (they are over the
    plain content); the encrypted file holds none of the facts in clear; verify and history work
    with the key, and without it nothing can be read."""
    plain = record_scenario(tmp_path / "plain.db", scenario_dir)
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, new_key())
    encrypted_path = tmp_path / "encrypted.db"
    assert record_scenario(encrypted_path, scenario_dir) == plain

    with sqlite3.connect(encrypted_path) as conn:
        blob = b"".join(row[0] for row in conn.execute("select state from stored_events"))
    for secret in (b"Trevi House", b"Week-12 review", b"pm-asc-01", b"prev_hash"):
        assert secret not in blob

    app = open_ledger(f"sqlite:///{encrypted_path}")
    try:
        result = verify(app)
        reasons = [row["reason"] for row in history(app, "FRP")]
    finally:
        app.close()
    assert result.ok and result.events_checked == len(plain)
    assert any(r and r.startswith("Week-12 review") for r in reasons)

    monkeypatch.delenv(CIPHER_KEY_VARIABLE)  # without the key: a key problem, not tampering
    assert main(["verify", "--db", f"sqlite:///{encrypted_path}", "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "cannot decrypt" in captured.err
