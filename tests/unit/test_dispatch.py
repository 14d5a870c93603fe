"""The dispatch table (application/dispatch.py): every command has exactly one handler.

The table is built from `@handles` registrations; the commands come from the one list in
`pooledbudget.commands` (`COMMANDS`, from which the parser's union is also built).
"""

from __future__ import annotations

from typing import Annotated, get_args, get_origin

import pytest

from pooledbudget import commands as c
from pooledbudget.application import HANDLERS, LedgerApplication, handles
from pooledbudget.application.dispatch import unhandled


def _union_members() -> set[type[c.Command]]:
    """The classes of the discriminated union the parser validates against."""
    union = c.AnyCommand
    if get_origin(union) is Annotated:
        union = get_args(union)[0]
    members = get_args(union) if get_origin(union) is not None else (union,)
    return set(members)


def test_every_command_of_the_union_has_exactly_one_handler() -> None:
    members = _union_members()
    assert members == set(c.COMMANDS.values())
    assert set(HANDLERS) == members
    assert unhandled() == []
    owners = {command: HANDLERS[command].__qualname__ for command in members}
    assert len(set(owners.values())) == len(members), "one handler serves two commands"


def test_a_second_handler_for_a_command_is_refused() -> None:
    before = dict(HANDLERS)
    with pytest.raises(TypeError, match="RecordSpend already has a handler"):
        @handles(c.RecordSpend)
        def another(self: object, cmd: c.RecordSpend, actor: object, at: object) -> list[object]:
            return []
    assert before == HANDLERS


def test_a_command_without_a_handler_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(HANDLERS, c.SealPool)
    assert unhandled() == ["SealPool"]


def test_a_ledger_dispatches_through_its_own_bound_table(ledger: LedgerApplication) -> None:
    table = ledger._handlers  # noqa: SLF001
    assert set(table) == set(HANDLERS)
    assert all(getattr(h, "__self__", None) is ledger for h in table.values())
    assert table[c.RecordSpend].__func__ is HANDLERS[c.RecordSpend]  # type: ignore[attr-defined]
