"""The command line starts without what only some commands need (issue: cold start)."""

from __future__ import annotations

import subprocess
import sys


def test_cli_imports_no_charting_library() -> None:
    """Importing the command line (every command pays for it, `--help` included) loads neither
    matplotlib nor numpy: only `board-pack` draws charts, and it imports them itself."""
    code = ("import sys, pooledbudget.cli; "
            "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_board_pack_still_reachable_from_the_package() -> None:
    """The lazy package still offers its names."""
    import pooledbudget.boardpack as boardpack

    assert callable(boardpack.gather) and callable(boardpack.render)
    assert boardpack.BoardPackData.__name__ == "BoardPackData"
