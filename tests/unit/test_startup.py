"""The command line starts without what only some commands need (issue: cold start).

A report on read models that are already current decodes no event and runs no command, so its
process loads no command model, no aggregate event class, no projector, no charting library and
no terminal library (decision 0034), and `report shares --format json` builds no pydantic model
(decision 0041); the public names stay importable exactly as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from pooledbudget.application import open_ledger
from pooledbudget.batch import apply_lines
from pooledbudget.projections import live_store

POOL, YEAR = "FRP", "2026-27"

# What `report shares` must not load when its read models are current.
NOT_ON_THE_READ_PATH = (
    "pooledbudget.commands.catalogue", "pooledbudget.commands.command",
    "pooledbudget.aggregates.decision", "pooledbudget.aggregates.pool",
    "pooledbudget.aggregates.registry", "pooledbudget.aggregates.closure",
    "pooledbudget.projections.projector", "pooledbudget.feed", "pooledbudget.batch",
    "matplotlib", "numpy", "rich",
    # Printed as plain JSON data (decision 0041): no report model, nor pydantic's machinery
    # for building one (its `import pydantic` alone is lazy and loads none of these).
    "pooledbudget.reports.models", "pydantic.main", "pydantic.fields",
    "pydantic._internal._model_construction", "annotated_types",
)

# Runs the command line in a fresh interpreter, then prints which of the given modules it loaded.
_WRAPPER = """
import json, sys
from pooledbudget.cli import main
watched = json.loads(sys.argv[1])
try:
    code = main(sys.argv[2:])
finally:
    sys.stdout.flush()
    print(json.dumps(sorted(m for m in watched if m in sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def _run(argv: list[str], watched: tuple[str, ...] = NOT_ON_THE_READ_PATH) -> tuple[str, list[str]]:
    out = subprocess.run([sys.executable, "-c", _WRAPPER, json.dumps(watched), *argv],
                         capture_output=True, text=True, check=True)
    return out.stdout, json.loads(out.stderr.strip().splitlines()[-1])


def _scenario_ledger(path: Path, *, current: bool) -> str:
    """The worked scenario in a SQLite file; with `current`, its read models caught up."""
    url = f"sqlite:///{path}"
    lines = (files("pooledbudget") / "scenarios" / "family_recovery_pool.jsonl").read_text(
        encoding="utf-8").splitlines()
    ledger = open_ledger(url)
    try:
        list(apply_lines(ledger, lines, use_command_time=True, allow_future_times=True))
        if current:
            live_store(ledger)
    finally:
        ledger.close()
    return url


def _shares(url: str) -> list[str]:
    return ["report", "shares", "--pool", POOL, "--year", YEAR, "--format", "json", "--db", url]


def test_cli_imports_no_charting_library() -> None:
    """Importing the command line (every command pays for it, `--help` included) loads neither
    matplotlib nor numpy: only `board-pack` draws charts, and it imports them itself."""
    code = ("import sys, pooledbudget.cli; "
            "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_report_on_current_read_models_loads_no_command_aggregate_or_chart(
        tmp_path: Path) -> None:
    """`report shares` on a ledger whose read models are current decodes no event: its process
    loads none of the command models, aggregates' event classes, the projector, matplotlib or
    rich, and prints the report the library computes."""
    url = _scenario_ledger(tmp_path / "ledger.db", current=True)
    printed, loaded = _run(_shares(url))
    assert loaded == []
    ledger = open_ledger(url)
    try:
        from pooledbudget import reports

        expected = reports.shares(ledger, POOL, YEAR).model_dump_json(indent=2)
    finally:
        ledger.close()
    assert printed == expected + "\n"


def test_a_report_behind_the_log_decodes_its_events_by_topic(tmp_path: Path) -> None:
    """When the read models are behind, the report's process applies the new events: their
    classes, found by topic ("pooledbudget:PoolEstablished"), load then, and the report is the
    one a process that imported everything first prints."""
    behind = _scenario_ledger(tmp_path / "behind.db", current=False)
    current = _scenario_ledger(tmp_path / "current.db", current=True)
    printed, loaded = _run(_shares(behind), ("pooledbudget.aggregates.decision",))
    assert loaded == ["pooledbudget.aggregates.decision"]  # it did decode events
    assert printed == _run(_shares(current))[0]


def test_every_stored_topic_resolves_to_its_class_in_a_fresh_process(tmp_path: Path) -> None:
    """Each topic the worked scenario stores resolves, in a process that has imported nothing
    but eventsourcing, to the class it names once the aggregates are imported."""
    import sqlite3

    from eventsourcing.utils import resolve_topic

    import pooledbudget.aggregates.closure
    import pooledbudget.aggregates.decision
    import pooledbudget.aggregates.pool
    import pooledbudget.aggregates.registry  # noqa: F401 - their classes register the topics

    path = tmp_path / "ledger.db"
    _scenario_ledger(path, current=False)
    with sqlite3.connect(path) as conn:
        topics = sorted(t for (t,) in conn.execute("SELECT DISTINCT topic FROM stored_events"))
    conn.close()
    assert len(topics) > 10
    code = ("import json, sys\nfrom eventsourcing.utils import resolve_topic\n"
            "print(json.dumps([(lambda c: f'{c.__module__}:{c.__qualname__}')(resolve_topic(t))"
            " for t in json.loads(sys.argv[1])]))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(topics)], capture_output=True,
                         text=True, check=True)
    expected = [f"{c.__module__}:{c.__qualname__}" for c in map(resolve_topic, topics)]
    assert json.loads(out.stdout) == expected


@pytest.mark.parametrize("package", ["pooledbudget", "pooledbudget.application",
                                     "pooledbudget.commands", "pooledbudget.aggregates",
                                     "pooledbudget.projections", "pooledbudget.reports",
                                     "pooledbudget.boardpack"])
def test_every_public_name_is_importable_from_a_fresh_process(package: str) -> None:
    """The lazy packages still give every name of their `__all__` (`from package import *`
    included), each the object its defining module holds, and list them in `dir()`."""
    code = f"""
import importlib, json
package = importlib.import_module({package!r})
names = list(package.__all__)
star = {{}}
exec("from {package} import *", star)
missing = [n for n in names if n not in star or star[n] is not getattr(package, n)]
unlisted = [n for n in names if n not in dir(package)]
print(json.dumps([len(names), missing, unlisted]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, missing, unlisted = json.loads(out.stdout)
    assert count > 0 and missing == [] and unlisted == []


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    """Only names the packages define, and event topics, resolve: a misspelt name fails as it
    always did (`hasattr` is false), and asking for a lower-case name (a submodule, as
    `from . import commands` does) does not load the aggregates."""
    code = ("import sys, pooledbudget, pooledbudget.commands as c\n"
            "print(hasattr(pooledbudget, 'ledgr'), hasattr(c, 'RecordSpnd'),"
            " 'pooledbudget.aggregates.decision' in sys.modules, hasattr(pooledbudget, 'Ledgr'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False", "False"]


def test_board_pack_still_reachable_from_the_package() -> None:
    """The lazy package still offers its names."""
    import pooledbudget.boardpack as boardpack

    assert callable(boardpack.gather) and callable(boardpack.render)
    assert boardpack.BoardPackData.__name__ == "BoardPackData"


# Runs the report through an entry point in a fresh interpreter; prints how many collections ran,
# how many objects were frozen and whether collection is on at the end.
_COLLECTIONS = """
import gc, json, sys
started = []
gc.callbacks.append(lambda phase, info: phase == "start" and started.append(1))
if sys.argv[1] == "command":
    from pooledbudget.command import main
else:
    from pooledbudget.cli import main
code = main(sys.argv[2:])
sys.stdout.flush()
print(json.dumps([len(started), gc.get_freeze_count(), gc.isenabled()]), file=sys.stderr)
sys.exit(code)
"""


def _collections(entry: str, argv: list[str]) -> tuple[str, list[Any]]:
    out = subprocess.run([sys.executable, "-c", _COLLECTIONS, entry, *argv],
                         capture_output=True, text=True, check=True)
    return out.stdout, json.loads(out.stderr.strip().splitlines()[-1])


def test_the_command_imports_the_command_line_with_the_collector_paused(tmp_path: Path) -> None:
    """The `pooledbudget` script's entry point (`pooledbudget.command`) imports the command line
    without the collector searching the import's objects over and over (decision 0041): a few
    collections in the whole report instead of about a hundred, the import's objects frozen, collection
    on again afterwards, and the same report printed. A program importing `pooledbudget.cli`
    itself freezes nothing."""
    url = _scenario_ledger(tmp_path / "ledger.db", current=True)
    printed, (collections, frozen, enabled) = _collections("command", _shares(url))
    plain, (plain_collections, plain_frozen, plain_enabled) = _collections("cli", _shares(url))
    assert printed == plain
    assert collections <= 10 < 30 <= plain_collections
    assert frozen > 10_000 and plain_frozen == 0
    assert enabled and plain_enabled
