"""Tampering with a ledger's database directly, as an insider with the file or a login would,
on SQLite or PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pooledbudget.batch import apply_lines
from pooledbudget.cli import main


class Database:
    """Plain SQL on a ledger's database: `?` placeholders, `id` for the notification id."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql")
        self.events_table = "pooledbudget_events" if self.postgres else "stored_events"

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if self.postgres:
            import psycopg

            parts = urlsplit(self.url)
            schema = parse_qs(parts.query)["schema"][0]
            with psycopg.connect(self.url.split("?")[0], autocommit=False) as conn:
                conn.execute(f'SET search_path TO "{schema}"')
                yield conn
                conn.commit()
        else:
            import sqlite3

            conn = sqlite3.connect(self.url[len("sqlite:///"):])
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()

    def _sql(self, statement: str) -> str:
        id_column = "notification_id" if self.postgres else "rowid"
        statement = statement.replace("{id}", id_column).replace(
            "stored_events", self.events_table)  # and its _links, _streams
        return statement.replace("?", "%s") if self.postgres else statement

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connection() as conn:
            return [tuple(r) for r in conn.execute(self._sql(statement), params).fetchall()]

    def run(self, statement: str, params: Sequence[Any] = ()) -> None:
        with self.connection() as conn:
            conn.execute(self._sql(statement), params)

    def events(self, topic: str | None = None) -> list[tuple[int, str, int, str]]:
        """(notification id, originator id as stored, version, topic), in log order."""
        where = "" if topic is None else " WHERE topic = ?"
        return self.rows(f"SELECT {{id}}, originator_id, originator_version, topic FROM stored_events"
                         f"{where} ORDER BY {{id}}", () if topic is None else (topic,))

    def stream(self, originator_id: Any) -> list[tuple[int, str, int, str]]:
        return [row for row in self.events() if row[1] == originator_id]

    def delete_events(self, ids: Sequence[int]) -> None:
        for notification_id in ids:
            self.run("DELETE FROM stored_events WHERE {id} = ?", (notification_id,))

    def delete_links(self, ids: Sequence[int]) -> None:
        for notification_id in ids:
            self.run("DELETE FROM stored_events_links WHERE notification_id = ?", (notification_id,))


def build(url: str, lines: list[str]) -> None:
    from pooledbudget.application import open_ledger

    app = open_ledger(url)
    try:
        list(apply_lines(app, lines, use_command_time=True))
    finally:
        app.close()


def scenario_lines(scenario_dir: Path, *, without: tuple[str, ...] = ()) -> list[str]:
    lines = (scenario_dir / "family_recovery_pool.jsonl").read_text().splitlines()
    return [line for line in lines
            if line.strip() and json.loads(line)["command"] not in without]


def verify(url: str, capsys: Any, *extra: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["verify", "--db", url, "--no-progress", *extra])
    return code, json.loads(capsys.readouterr().out)
