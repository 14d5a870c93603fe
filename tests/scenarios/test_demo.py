"""The README's main job: `pooledbudget demo` runs the worked scenario and shows the reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from pooledbudget.cli import main


def test_demo_records_the_scenario_and_prints_the_board_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo rejects exactly the scenario's 10 intended lines and prints the figures a board
    reads: the SMS carrying £11,960.00 of ASC's costs, the closed risk share, the pending approval."""
    path = tmp_path / "demo.db"
    assert main(["demo", "--db-file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "10 rejected as the scenario intends" in out
    assert "11960.00" in out and "28157.14" in out and "PLA-D" in out
    assert path.exists()
    assert main(["demo", "--db-file", str(path)]) == 0  # a second run starts afresh
    assert "10 rejected as the scenario intends" in capsys.readouterr().out
