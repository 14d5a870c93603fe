"""Finding 10: encryption keys and connections. A missing, wrong or malformed cipher key is a
clear error (exit 2), which `verify` tells apart from tampering; a password in a database URL
never appears in a message or a log; a bad port, a missing directory, a file that is not SQLite
and a read-only database are clear errors with exit 2.

Seen failing before the fix: tracebacks (`MapperDeserialisationError`, `binascii.Error`), and
`verify` reported a missing key as undecodable events, like tampering; `postgress://admin:
S3cretPW@...` printed the password; the connection problems gave raw tracebacks with exit 1."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pooledbudget.persistence import CIPHER_KEY_VARIABLE, new_key
from tests.hostile.support import cli, make_read_only, run_without_root_override, scenario_ledger


def _events(capsys: pytest.CaptureFixture[str], url: str) -> int:
    code, out, _ = cli(capsys, "verify", "--db", url, "--no-progress")
    assert code == 0, out
    return int(json.loads(out)["events_checked"])


@pytest.fixture
def encrypted(db_url: str, capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    key = new_key()
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, key)
    scenario_ledger(capsys, db_url)
    return db_url, key


READERS = [["verify", "--no-progress"], ["history", "--pool", "FRP"],
           ["report", "shares", "--pool", "FRP", "--year", "2026-27"]]


@pytest.mark.parametrize("argv", READERS, ids=lambda a: a[0])
def test_a_missing_key_is_a_key_error_not_tampering(
    encrypted: tuple[str, str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    url, _ = encrypted
    monkeypatch.delenv(CIPHER_KEY_VARIABLE)
    code, out, err = cli(capsys, *argv, "--db", url)
    assert code == 2 and out == ""
    assert "cannot decrypt" in err and "is not set" in err


def test_a_wrong_key_is_named_and_nothing_is_written_with_it(
    encrypted: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, key = encrypted
    count = _events(capsys, url)
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, new_key())
    for argv in [*READERS, ["apply", str(tmp_path / "none.jsonl")]]:
        (tmp_path / "none.jsonl").write_text("")
        code, out, err = cli(capsys, *argv, "--db", url)
        assert code == 2 and "wrong key" in err, (argv, err)
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, key)
    assert _events(capsys, url) == count


@pytest.mark.parametrize("bad", ["not base64 at all!", "c2hvcnQ=", new_key() + "AAAA", "é"])
def test_a_malformed_key_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    bad: str,
) -> None:
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, bad)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")
    code, _, err = cli(capsys, "apply", str(feed), "--db", f"sqlite:///{tmp_path / 'new.db'}")
    assert code == 2 and "is not a valid key" in err and "Traceback" not in err


def test_a_key_set_for_a_plain_ledger_is_named(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario_ledger(capsys, db_url)
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, new_key())
    code, _, err = cli(capsys, "verify", "--db", db_url)
    assert code == 2 and "not encrypted" in err


def test_tampering_with_the_right_key_is_still_tampering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One event's stored bytes altered: the key still reads the others, so this is not a key
    problem, and `verify` reports the event (exit 1)."""
    monkeypatch.setenv(CIPHER_KEY_VARIABLE, new_key())
    path = tmp_path / "ledger.db"
    scenario_ledger(capsys, f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        (state,) = conn.execute("SELECT state FROM stored_events WHERE rowid = 40").fetchone()
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = 40",
                     (bytes([state[0] ^ 1]) + state[1:],))
    conn.close()
    code, out, err = cli(capsys, "verify", "--db", f"sqlite:///{path}", "--no-progress")
    assert code == 1 and err == ""
    assert json.loads(out)["ok"] is False


PASSWORD = "S3cretPW"


@pytest.mark.parametrize("url", [
    f"postgress://admin:{PASSWORD}@127.0.0.1:5432/ledger",
    f"postgresql://admin:{PASSWORD}@127.0.0.1:99999/ledger",
    f"postgresql://admin:{PASSWORD}@127.0.0.1:1/ledger",
    f"postgresql://admin:{PASSWORD}@127.0.0.1:1/ledger?schema=x",
    f"mysql://admin:{PASSWORD}@db/ledger",
], ids=["scheme-typo", "bad-port", "refused", "refused-schema", "other-scheme"])
@pytest.mark.parametrize("command", ["apply", "verify"])
def test_a_password_never_appears_in_a_message_or_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, command: str
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")
    argv = ["apply", str(feed)] if command == "apply" else ["verify"]
    code, out, err = cli(capsys, "--log", "json", *argv, "--db", url)
    assert code == 2
    assert PASSWORD not in out + err and "***" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_file_problems_are_clear_errors_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")
    for url, says in [(f"sqlite:///{tmp_path / 'missing' / 'x.db'}", "no directory"),
                      (f"sqlite:///{notes}", "not a SQLite database"),
                      (f"sqlite:///{tmp_path}", "is a directory")]:
        code, _, err = cli(capsys, "apply", str(feed), "--db", url)
        assert code == 2 and says in err, err
    assert notes.read_text() == "not a database"


def test_apply_to_a_read_only_database_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ledger.db"
    scenario_ledger(capsys, f"sqlite:///{path}")
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")
    make_read_only(path)
    try:
        done = run_without_root_override(["apply", str(feed), "--db", f"sqlite:///{path}"])
    finally:
        path.chmod(0o644)
    assert done.returncode == 2 and "read-only" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_password_in_any_log_field_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    from pooledbudget.logs import configure_logging, ledger_logger

    configure_logging("json")
    try:
        ledger_logger().info(
            "opened", db=f"postgresql://admin:{PASSWORD}@db/ledger",
            detail=f"host=db password={PASSWORD} user=admin")
    finally:
        configure_logging("off")
    line = json.loads(capsys.readouterr().err)
    assert PASSWORD not in json.dumps(line)
    assert line["db"] == "postgresql://admin:***@db/ledger"
