"""The documentation cannot rot: every ```python block in docs/ runs, every example runs, and the
generated reference pages are what the code says today.

Each page's blocks run in order, in one namespace, in a fresh temporary directory with a fresh
SQLite ledger (`$POOLEDBUDGET_DB`); a block followed directly by a ```text block must print exactly
that text. Each program in examples/ runs in a subprocess with this interpreter.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```[ \t]*\n", re.MULTILINE | re.DOTALL)

# Runs one page's blocks: argv[1] is the page. Prints a report and exits 1 on the first failure.
RUNNER = r'''
import contextlib, io, json, re, sys, traceback
text = open(sys.argv[1], encoding="utf-8").read()
blocks = [(m.group(1), m.group(2), m.start(), m.end())
          for m in re.finditer(r"^```(\w*)\n(.*?)^```[ \t]*\n", text, re.M | re.S)]
namespace = {"__name__": "__docs__"}
for i, (lang, code, start, end) in enumerate(blocks):
    if lang != "python":
        continue
    line = text[:start].count("\n") + 2
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{sys.argv[1]}:{line}", "exec"), namespace)
    except BaseException:
        print(f"block at line {line} failed:\n{out.getvalue()}{traceback.format_exc()}")
        sys.exit(1)
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    if following and following[0] == "text" and not text[end:following[2]].strip():
        if out.getvalue().rstrip() != following[1].rstrip():
            print(f"block at line {line} printed:\n{out.getvalue()}\nbut the page shows:\n"
                  f"{following[1]}")
            sys.exit(1)
print("ok")
'''


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("POOLEDBUDGET_CIPHER_KEY", "POOLEDBUDGET_LOG")}
    env["POOLEDBUDGET_DB"] = f"sqlite:///{tmp_path / 'ledger.db'}"
    return env


def _pages_with_python() -> list[Path]:
    return [page for page in sorted(DOCS.rglob("*.md"))
            if any(m.group(1) == "python" for m in BLOCK.finditer(page.read_text("utf-8")))]


def test_the_pages_for_each_audience_have_runnable_blocks() -> None:
    pages = {str(p.relative_to(DOCS)) for p in _pages_with_python()}
    for page in ("developers/tutorial.md", "developers/backends.md", "developers/projections.md",
                 "developers/errors.md", "developers/upcasting.md",
                 "boards/reading-the-board-pack.md", "auditors/guide.md"):
        assert page in pages


@pytest.mark.parametrize("page", _pages_with_python(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_python_block_of_the_page_runs_and_prints_what_it_shows(
        page: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", RUNNER, str(page)], cwd=tmp_path,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def _example(name: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=tmp_path,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("program", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_runs_on_a_fresh_sqlite_ledger(program: str, tmp_path: Path) -> None:
    done = _example(program, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_nightly_feed_is_idempotent_and_reports_each_refusal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'feed.db'}"
    first = _example("nightly_feed.py", tmp_path, "--db", db)
    assert first.returncode == 0, first.stderr
    assert "4 recorded, 1 already recorded, 5 refused" in first.stdout
    for code in ("invalid_command (rule R1", "decision_not_found", "spend_exceeds_approved_cost",
                 "service_date_outside_period", "command_id_conflict (rule R25"):
        assert code in first.stdout
    again = _example("nightly_feed.py", tmp_path, "--db", db, "--strict")
    assert again.returncode == 1
    assert "0 recorded, 5 already recorded, 5 refused" in again.stdout


def test_the_what_if_leaves_the_ledger_it_reads_untouched(tmp_path: Path) -> None:
    done = _example("what_if.py", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "source ledger untouched: True" in done.stdout


def test_the_auditor_fails_on_a_seal_that_is_not_there(tmp_path: Path) -> None:
    done = _example("auditor.py", tmp_path, "--seal", "0" * 64)
    assert done.returncode == 1
    assert "no seal with this digest" in done.stdout


# -- the generated reference ----------------------------------------------------------------

def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", REPO / "scripts" / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_reference_pages_are_up_to_date() -> None:
    for name, text in _generator().render_all().items():
        on_disk = (DOCS / "reference" / name).read_text(encoding="utf-8")
        assert on_disk == text, f"docs/reference/{name} is stale: run python scripts/gen_reference.py"


def _recorded_event_classes() -> list[type]:
    """Found independently of the generator: every subclass, anywhere, of the chained event base
    with a TOPIC of its own, but each aggregate's `Event` base (a recorded event may extend
    another: OutcomeRecorded is a SpendRecorded)."""
    import pooledbudget.aggregates as package
    from pooledbudget.aggregates.chain import ChainedAggregate

    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        importlib.import_module(info.name)
    seen: list[type] = []
    stack = [ChainedAggregate.Event]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    own = [cls for cls in seen if "TOPIC" in cls.__dict__ and inspect.isclass(cls)]
    return [cls for cls in own if cls.__name__ != "Event"]


def test_the_event_catalogue_lists_every_event_class_the_code_defines() -> None:
    catalogue = (DOCS / "reference" / "events.md").read_text(encoding="utf-8")
    classes = _recorded_event_classes()
    assert len(classes) >= 20
    listed = set(re.findall(r"^\| `\w+` \| `(pooledbudget:\w+)` \|", catalogue, re.MULTILINE))
    topics = {cls.TOPIC for cls in classes}  # type: ignore[attr-defined]
    assert topics <= listed, f"missing from the catalogue: {sorted(topics - listed)}"
    assert listed <= topics, f"in the catalogue but not in the code: {sorted(listed - topics)}"


def test_the_event_catalogue_shows_every_field_and_the_command_that_records_it() -> None:
    """Each event's row lists every field it records (those it extends from another event too,
    with defaults), never eventsourcing's generic `(*args, **kwargs)` signature, and names the
    aggregate method that records it; the decision's events are all recorded by one."""
    import dataclasses

    from pooledbudget.aggregates.decision import Decision

    catalogue = (DOCS / "reference" / "events.md").read_text(encoding="utf-8")
    assert "*args" not in catalogue and "**kwargs" not in catalogue
    rows = {m[0]: m[1:] for m in re.findall(
        r"^\| `\w+` \| `(pooledbudget:\w+)` \| `([^`]*)` \| (.*?) \| [^|]*\|$", catalogue,
        re.MULTILINE)}
    bookkeeping = {"originator_id", "originator_version", "timestamp", "originator_topic",
                   "prev_hash", "hash"}
    for cls in _recorded_event_classes():
        fields, recorded_by = rows[cls.TOPIC]  # type: ignore[attr-defined]
        named = re.findall(r"(\w+): ", fields)
        expected = [f.name for f in dataclasses.fields(cls) if f.name not in bookkeeping]
        assert sorted(named) == sorted(expected), cls.TOPIC  # type: ignore[attr-defined]
    outcome_fields, outcome_by = rows["pooledbudget:OutcomeRecorded"]
    assert "invoice_ref: str" in outcome_fields and "*, evidence_ref: str, count: int" in outcome_fields
    assert outcome_by.startswith("`Decision.record_outcome(*, invoice_ref: str")
    for name, value in vars(Decision).items():
        if inspect.isclass(value) and "TOPIC" in value.__dict__ and name not in ("Event", "Created"):
            assert rows[value.TOPIC][1].startswith("`Decision."), value.TOPIC


def test_the_error_reference_lists_every_error_class() -> None:
    import pooledbudget

    table = (DOCS / "reference" / "errors.md").read_text(encoding="utf-8")
    for name in pooledbudget.__all__:
        value = getattr(pooledbudget, name)
        if inspect.isclass(value) and issubclass(value, pooledbudget.LedgerError):
            assert f"| `{name}` | `{value.code}` |" in table


def test_the_site_builds_with_mkdocs(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(REPO / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
