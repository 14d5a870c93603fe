"""The board pack of a pool with a signatory register: the register in plain words under the
headline, who is waiting for a second signature, and the sign-offs on the approvals sheet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pooledbudget.application import LedgerApplication, open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.boardpack import board_pack
from scenario_ledger import module_scenario_dir


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerApplication]:
    app = open_ledger(f"sqlite:///{tmp_path_factory.mktemp('sig') / 'ledger.db'}")
    lines = (module_scenario_dir() / "signatory_pool.jsonl").read_text(encoding="utf-8").splitlines()
    list(apply_lines(app, lines, use_command_time=True))
    yield app
    app.close()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def test_the_pack_says_authority_is_verified_and_who_waits_for_a_second_signature(
        ledger: LedgerApplication) -> None:
    text = text_of(board_pack(ledger, "MCP", "2026-27"))
    assert "Authority to approve is not verified" not in text
    assert "8 signatories" in text
    assert "need two signatures" in text
    # MC-03: CFS has the first of its two signatures, SMS has not signed at all
    assert ("Children and Families Social Care (one of two signatures given, waiting for the "
            "second)") in text
    assert "Substance Misuse Service (one of two" not in text
    assert "bh-cfs-02" in text  # the sign-offs table names the signers
    assert not re.search(r"\bR\d{1,2}\b", text.split("How these figures are made")[0])


def test_a_pool_without_a_register_says_so(tmp_path: Path) -> None:
    app = open_ledger(f"sqlite:///{tmp_path / 'l.db'}")
    try:
        lines = (module_scenario_dir() / "family_recovery_pool.jsonl").read_text(
            encoding="utf-8").splitlines()
        list(apply_lines(app, lines, use_command_time=True))
        text = text_of(board_pack(app, "FRP", "2026-27"))
    finally:
        app.close()
    assert "Authority to approve is not verified by a signatory register" in text
    assert "one of two signatures" not in text
