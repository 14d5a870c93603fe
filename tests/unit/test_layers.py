"""The layer contract (pyproject.toml, `[tool.importlinter]`) holds, covers every module, and bites.

The contract itself is checked by `lint-imports` (import-linter), as `.ci/run` does. The second
test plants a forbidden import in a copy of the package and requires the same check to fail
there, naming that import, so a contract that silently checks nothing would be caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _layers() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    layers: list[str] = contract["layers"]
    return layers


def test_the_layer_contract_is_kept() -> None:
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_module_of_the_package_sits_in_a_layer() -> None:
    """A new module or package is placed in the contract, or the contract does not see it."""
    named = {m.strip() for layer in _layers() for m in layer.replace(":", "|").split("|")}
    package = REPO / "src" / "pooledbudget"
    modules = {f"pooledbudget.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {f"pooledbudget.{p.name}" for p in package.iterdir()
                if (p / "__init__.py").exists() and p.name != "audit"}
    modules |= {f"pooledbudget.audit.{p.stem}" for p in (package / "audit").glob("*.py")
                if p.stem != "__init__"}
    assert modules - named == set()


def test_a_forbidden_import_breaks_the_contract(tmp_path: Path) -> None:
    """An aggregate importing a report (the write side reaching into the read side) fails."""
    copy = tmp_path / "src"
    shutil.copytree(REPO / "src" / "pooledbudget", copy / "pooledbudget",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    kept = _lint(tmp_path, copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    pool = copy / "pooledbudget" / "aggregates" / "pool.py"
    pool.write_text(pool.read_text(encoding="utf-8")
                    + "\nfrom ..reports import models as _models  # noqa: E402\n", encoding="utf-8")
    broken = _lint(tmp_path, copy)
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout
    assert "pooledbudget.aggregates.pool -> pooledbudget.reports.models" in broken.stdout
