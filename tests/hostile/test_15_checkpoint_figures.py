"""The shares and risk-share reports as at T read the checkpoints' figures and the movements
between two checkpoints, not the live tables (decision 0048). An edit to either part that
leaves it disagreeing with its digest, with the other checkpoint or with the log is caught
when an as-at would use it, and the read models' as-at answers instead: still the log's
figures. An edit made with every digest recomputed and the two checkpoints kept in step is
caught by `verify --read-models`, as for the checkpoints' other parts (decision 0030)."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import datetime
from typing import Any
from unittest.mock import patch

import pytest

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


def figures_of(db: Database, position: int) -> dict[str, Any]:
    [(text,)] = db.rows("SELECT figures FROM pb_checkpoints WHERE pool_id = 'FRP' AND "
                        "position = ?", (position,))
    found: dict[str, Any] = json.loads(text)
    return found


def store_figures(db: Database, position: int, figures: dict[str, Any], *,
                  digest: bool) -> None:
    text = json.dumps(figures, sort_keys=True, separators=(",", ":"))
    if digest:
        db.run("UPDATE pb_checkpoints SET figures = ?, figures_digest = ? WHERE pool_id = 'FRP' "
               "AND position = ?", (text, hashlib.sha256(
                   f"FRP\n{position}\nfigures\n{text}".encode()).hexdigest(), position))
    else:
        db.run("UPDATE pb_checkpoints SET figures = ? WHERE pool_id = 'FRP' AND position = ?",
               (text, position))


def more_spent(figures: dict[str, Any]) -> dict[str, Any]:
    """A partner's spend raised by £1,000 in a figures part."""
    figures["totals"][0][2] += 100_000
    return figures


def test_the_figures_answer_as_the_replay_does(ledger_db: Database) -> None:  # noqa: F811
    _, _, at, year = an_interval_and_a_time_in_it(ledger_db)
    shares, risk, served = answers(ledger_db, at, year)
    assert served
    assert (shares, risk) == replayed(ledger_db, at, year)


@pytest.mark.parametrize("digest", [False, True])
def test_an_edited_figures_part_is_not_used(ledger_db: Database, digest: bool) -> None:  # noqa: F811
    """Without its digest recomputed it fails it; with it, the earlier checkpoint's figures
    and the movements no longer give the later one's."""
    before, _, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    store_figures(ledger_db, before, more_spent(figures_of(ledger_db, before)), digest=digest)
    shares, risk, served = answers(ledger_db, at, year)
    assert not served
    assert (shares, risk) == expected


def test_a_movement_edited_in_the_later_checkpoint_is_not_used(ledger_db: Database) -> None:  # noqa: F811
    """A movement's partners respelled with £1,000 more spent, the added part's digest
    recomputed: the movements no longer bring the earlier figures to the later ones."""
    before, after, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    [(blob,)] = ledger_db.rows("SELECT added FROM pb_checkpoints WHERE pool_id = 'FRP' AND "
                               "position = ?", (after,))
    added = json.loads(zlib.decompress(bytes(blob)))
    moved = next(row for row in added["pb_forecast_movements"] if row[-1])
    code, funded, *rest = moved[-1].split(" ")[0].split(":")
    moved[-1] = " ".join([":".join([code, str(int(funded) + 100_000), *rest]),
                          *moved[-1].split(" ")[1:]])
    text = json.dumps(added, sort_keys=True, separators=(",", ":")).encode()
    ledger_db.run("UPDATE pb_checkpoints SET added = ?, added_digest = ? WHERE pool_id = 'FRP' "
                  "AND position = ?", (zlib.compress(text), hashlib.sha256(
                      f"FRP\n{after}\n{before}\n".encode() + text).hexdigest(), after))
    shares, risk, served = answers(ledger_db, at, year)
    assert not served
    assert (shares, risk) == expected


def test_without_the_later_checkpoint_the_one_after_it_does_not_follow(
        ledger_db: Database) -> None:  # noqa: F811
    """The checkpoint after T deleted: the next one's added part is bound to the deleted one's
    position, not the earlier one's."""
    _, after, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    ledger_db.run("DELETE FROM pb_checkpoints WHERE pool_id = 'FRP' AND position = ?", (after,))
    shares, risk, served = answers(ledger_db, at, year)
    assert not served
    assert (shares, risk) == expected


def test_the_live_movements_are_not_read(ledger_db: Database, capsys: Any) -> None:  # noqa: F811
    """Every live movement's partners respelled: the as-at reads the checkpoint's copy, and is
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


def test_both_checkpoints_forged_in_step_are_named_by_verify(
        ledger_db: Database, capsys: Any) -> None:  # noqa: F811
    """An insider who raises a partner's spend in both checkpoints' figures, digests and all,
    changes what the as-at says (as a forged state part does, decision 0030);
    `verify --read-models` rebuilds the checkpoints and names the first figures that differ."""
    before, after, at, year = an_interval_and_a_time_in_it(ledger_db)
    expected = replayed(ledger_db, at, year)
    for position in (before, after):
        store_figures(ledger_db, position, more_spent(figures_of(ledger_db, position)),
                      digest=True)
    shares, _, served = answers(ledger_db, at, year)
    assert served and shares != expected[0]
    code, result = verify(ledger_db.url, capsys, "--read-models")
    assert code == 1
    bad = result["first_bad"]
    assert bad["table"] == "pb_checkpoints" and bad["column"] in ("figures_digest", "figures")
    assert bad["key"]["position"] in (before, after)
