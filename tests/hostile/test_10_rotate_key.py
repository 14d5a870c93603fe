"""Finding 10, keys cannot be changed: `pooledbudget rotate-key` re-encrypts every stored event
under a new key (and can encrypt a plain ledger); hashes do not change, and the log verifies
before and after. Seen failing before the fix: there was no such command (argparse exit 2)."""

from __future__ import annotations

import json

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.persistence import CIPHER_KEY_VARIABLE, new_key
from pooledbudget.rotate_key import NEW_KEY_VARIABLE
from tests.hostile.support import cli, scenario_ledger


def _hashes(url: str) -> list[str]:
    ledger = open_ledger(url)
    try:
        return [ledger.mapper.to_domain_event(n).hash
                for n in ledger.recorder.select_notifications(start=1, limit=100_000)]
    finally:
        ledger.close()


def test_rotate_key_reencrypts_and_the_chain_is_unchanged(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario_ledger(capsys, db_url)  # plain
    plain = _hashes(db_url)
    first, second = new_key(), new_key()
    for old, new in [(None, first), (first, second)]:
        if old:
            monkeypatch.setenv(CIPHER_KEY_VARIABLE, old)
        monkeypatch.setenv(NEW_KEY_VARIABLE, new)
        code, out, err = cli(capsys, "rotate-key", "--db", db_url)
        assert code == 0, err
        result = json.loads(out)
        assert result["ok"] and result["events_reencrypted"] == len(plain)
        assert result["verified_before"] == result["verified_after"] == len(plain)
        assert result["compacted"]  # VACUUM (SQLite), VACUUM FULL (PostgreSQL): decision 0029
        monkeypatch.setenv(CIPHER_KEY_VARIABLE, new)
        assert _hashes(db_url) == plain
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, first)  # the old key no longer reads it
    code, _, err = cli(capsys, "verify", "--db", db_url)
    assert code == 2 and "wrong key" in err
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, second)
    code, out, _ = cli(capsys, "verify", "--db", db_url, "--no-progress")
    assert code == 0 and json.loads(out)["events_checked"] == len(plain)


def test_rotate_key_needs_a_valid_new_key(
    tmp_path: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    scenario_ledger(capsys, url)
    monkeypatch.delenv(NEW_KEY_VARIABLE, raising=False)
    code, _, err = cli(capsys, "rotate-key", "--db", url)
    assert code == 2 and NEW_KEY_VARIABLE in err
    monkeypatch.setenv(NEW_KEY_VARIABLE, "short")
    code, _, err = cli(capsys, "rotate-key", "--db", url)
    assert code == 2 and "not a valid key" in err
