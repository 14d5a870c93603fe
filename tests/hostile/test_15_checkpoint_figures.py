"""The shares and risk-share reports as at T read the figures part of the pool's first
checkpoint recorded after T (decision 0048), not the live tables. An edit to it that leaves it
disagreeing with its digest, or a checkpoint that disagrees with the log, is caught when an as-at
would use it, and the read models' as-at answers instead: still the log's figures. An edit made
with the digest recomputed is caught by `verify --read-models`, as for the checkpoints' other
parts (decision 0030)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from unittest.mock import patch

from pooledbudget import reports
from pooledbudget.application import open_ledger
from pooledbudget.projections import figures_as_at
from pooledbudget.projections.live import pool_figures_as_at
from pooledbudget.projections.one_pool import last_id_at

from .tampering import Database, verify
from .test_14_checkpoints import ledger_db  # noqa: F401  (the fixture)


def an_interval_and_a_time_in_it(db: Database) -> tuple[int, int, datetime, str]:
    """Two of the pool's checkpoints in a row, a time between them that the first answers, and
    the year of the pool's decisions."""
    positions = [p for (p,) in db.rows("SELECT position FROM pb_checkpoints "
                                       "WHERE pool_id = 'FRP' ORDER BY position")]
    [(year,)] = db.rows("SELECT MIN(year) FROM pb_decisions WHERE pool_id = 'FRP'")
    app = open_ledger(db.url)
    try:
        for before, after in zip(positions, positions[1:], strict=False):
            notes = app.recorder.select_notifications(start=before + 1, limit=after - before - 1,
                                                      stop=after - 1)
            for note in reversed(notes):
                at: datetime = app.mapper.to_domain_event(note).timestamp  # type: ignore[attr-defined]
                if before < last_id_at(app, at) < after and \
                        pool_figures_as_at(app, at, "FRP") is not None:
                    return before, after, at, year
    finally:
        app.close()
    raise AssertionError("no interval of FRP that its checkpoints' figures answer")


def answers(db: Database, at: datetime, year: str) -> tuple[Any, Any, bool]:
    """The shares and risk-share reports as at `at`, and whether the figures served them."""
    app = open_ledger(db.url)
    served: list[bool] = []
    original = figures_as_at.figures_between

    def watched(*args: Any) -> Any:
        found = original(*args)
        served.append(found is not None)
        return found

    try:
        with patch.object(figures_as_at, "figures_between", watched):
            return (reports.shares(app, "FRP", year, at), reports.risk_share(app, "FRP", year, at),
                    all(served))
    finally:
        app.close()


def replayed(db: Database, at: datetime, year: str) -> tuple[Any, Any]:
    app = open_ledger(db.url)
    try:
        with patch.object(reports, "pool_figures_as_at", lambda *args: None):
            return reports.shares(app, "FRP", year, at), reports.risk_share(app, "FRP", year, at)
    finally:
        app.close()


def later_part(db: Database, after: int) -> dict[str, Any]:
    [(text,)] = db.rows("SELECT figures FROM pb_checkpoints WHERE pool_id = 'FRP' AND "
                        "position = ?", (after,))
    found: dict[str, Any] = json.loads(text)
    return found


def store_part(db: Database, position: int, part: dict[str, Any], *, digest: bool) -> None:
    text = json.dumps(part, sort_keys=True, separators=(",", ":"))
    if digest:
        db.run("UPDATE pb_checkpoints SET figures = ?, figures_digest = ? WHERE pool_id = 'FRP' "
               "AND position = ?", (text, hashlib.sha256(
                   f"FRP\n{position}\nfigures\n{text}".encode()).hexdigest(), position))
    else:
        db.run("UPDATE pb_checkpoints SET figures = ? WHERE pool_id = 'FRP' AND position = ?",
               (text, position))


def more_spent(part: dict[str, Any]) -> dict[str, Any]:
    """£1,000 more spent by a partner in every figures along the way and in every moving line."""
    for _, figures in part["interval"]["along"]:
        if figures["totals"]:
            figures["totals"][0][2] += 100_000
    lines = part["interval"]["lines"].split("\n")
    for i, line in enumerate(lines):
        head, kind, what = line.rsplit("\t", 2)
        if kind == "M":
            code, funded, *rest = what.split(" ")[0].split(":")
            moved = ":".join([code, str(int(funded) + 100_000), *rest])
            lines[i] = "\t".join([head, kind, " ".join([moved, *what.split(" ")[1:]])])
            break
    part["interval"]["lines"] = "\n".join(lines)
    return part


def test_the_figures_answer_as_the_replay_does(ledger_db: Database) -> None:  # noqa: F811
    _, _, at, year = an_interval_and_a_time_in_it(ledger_db)
    shares, risk, served = answers(ledger_db, at, year)
    assert served
    assert (shares, risk) == replayed(ledger_db, at, year)


def test_a_figures_part_edited_without_its_digest_is_not_used(ledger_db: Database) -> None:  # noqa: F811
    _, after, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    store_part(ledger_db, after, more_spent(later_part(ledger_db, after)), digest=False)
    shares, risk, served = answers(ledger_db, at, year)
    assert not served
    assert (shares, risk) == expected


def test_a_figures_part_moved_to_another_checkpoint_is_not_used(ledger_db: Database) -> None:  # noqa: F811
    """A part with its digest copied onto the checkpoint before: the digest binds it to its
    own position."""
    before, after, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    [(text, digest)] = ledger_db.rows("SELECT figures, figures_digest FROM pb_checkpoints "
                                      "WHERE pool_id = 'FRP' AND position = ?", (after,))
    ledger_db.run("DELETE FROM pb_checkpoints WHERE pool_id = 'FRP' AND position = ?", (after,))
    ledger_db.run("UPDATE pb_checkpoints SET figures = ?, figures_digest = ?, recorded_at = "
                  "(SELECT recorded_at FROM pb_checkpoints WHERE pool_id = 'FRP' AND "
                  "position > ? ORDER BY position LIMIT 1) WHERE pool_id = 'FRP' AND "
                  "position = ?", (text, digest, after, before))
    shares, risk, served = answers(ledger_db, at, year)
    assert not served
    assert (shares, risk) == expected


def test_a_checkpoint_whose_time_was_moved_is_not_used(ledger_db: Database) -> None:  # noqa: F811
    """The checkpoint after T given the time of the one after it: the log says otherwise."""
    _, after, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    ledger_db.run("UPDATE pb_checkpoints SET recorded_at = (SELECT MAX(recorded_at) FROM "
                  "pb_checkpoints WHERE pool_id = 'FRP') WHERE pool_id = 'FRP' AND position = ?",
                  (after,))
    shares, risk, served = answers(ledger_db, at, year)
    assert not served
    assert (shares, risk) == expected


def test_the_live_movements_are_not_read(ledger_db: Database, capsys: Any) -> None:  # noqa: F811
    """Every live movement's partners respelled: the as-at reads the checkpoint's lines, and is
    the log's still; `verify --read-models` names the live table."""
    _, _, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    ledger_db.run("UPDATE pb_forecast_movements SET partners = '' WHERE pool_id = 'FRP'")
    shares, risk, served = answers(ledger_db, at, year)
    assert served
    assert (shares, risk) == expected
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1
    assert result["first_bad"]["table"] == "pb_forecast_movements"
    assert result["first_bad"]["column"] == "partners"


def test_a_figures_part_forged_with_its_digest_is_named_by_verify(
        ledger_db: Database, capsys: Any) -> None:  # noqa: F811
    """An insider who raises a partner's spend in the part, digest and all, changes what the
    as-at says (as a forged state part does, decision 0030); `verify --read-models` rebuilds
    the checkpoints and names the part."""
    _, after, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    store_part(ledger_db, after, more_spent(later_part(ledger_db, after)), digest=True)
    shares, _, served = answers(ledger_db, at, year)
    assert served and shares != expected[0]
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1
    bad = result["first_bad"]
    assert bad["table"] == "pb_checkpoints" and bad["column"] in ("figures_digest", "figures")
    assert bad["key"] == {"pool_id": "FRP", "position": after}
