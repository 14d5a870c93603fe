"""What the hostile tests share: running the CLI as an operator would, and small ledgers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.cli import main
from tests.conftest import SCENARIO_COPIES, FakeClock
from tests.unit.helpers import (
    approve_all,
    propose_cmd,
    reverse_cmd,
    run,
    setup_pool,
    spend_cmd,
)

SCENARIO = SCENARIO_COPIES / "family_recovery_pool.jsonl"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`pooledbudget ARGV` in this process: its exit code, standard output and error. Any
    exception escaping `main` fails the test (the CLI must never end in a traceback); argparse's
    usage errors exit as they do from a shell."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def scenario_ledger(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """The worked scenario applied at its own (future) times."""
    code, _, err = cli(capsys, "apply", str(SCENARIO), "--db", url, "--use-command-time",
                       "--allow-future-times")
    assert code == 1 and err == ""  # the scenario's intended rejections


def hostile_ledger(url: str, *, supplier: str, reason: str, category: str) -> None:
    """Pool P (ASC, CFS) with one approved decision of `category`, a spend from `supplier`
    and a second spend reversed for `reason`, all in 2026-27."""
    ledger = open_ledger(url, clock=FakeClock())
    try:
        setup_pool(ledger, pledges={"ASC": "5000.00", "CFS": "5000.00"})
        run(ledger, propose_cmd("D1") | {"category": category})
        approve_all(ledger, "D1")
        run(ledger, spend_cmd("D1", "INV-1", "100.00") | {"supplier": supplier})
        run(ledger, spend_cmd("D1", "INV-2", "40.00") | {"supplier": "Plain Ltd"})
        run(ledger, reverse_cmd("INV-2", reason=reason))
    finally:
        ledger.close()


def run_without_root_override(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`pooledbudget ARGV` in a child process that file permissions bind: as root, the
    capabilities that ignore them are dropped (util-linux `setpriv`), so a file made
    read-only with chmod is read-only to the child, as it is to an ordinary user."""
    command = [sys.executable, "-m", "pooledbudget.cli", *argv]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("running as root needs util-linux setpriv to make a file read-only")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                          **kwargs)


def make_read_only(*paths: Path) -> None:
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
