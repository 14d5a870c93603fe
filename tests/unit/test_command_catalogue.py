"""The commands are listed once (`commands.catalogue.COMMAND_CLASSES`); the union that parses
them, the registry by name and the reference pages must agree with that list."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import get_args

import pytest

import pooledbudget.commands as package
from pooledbudget.commands import COMMAND_CLASSES, COMMANDS, AnyCommand, Command, command_name
from pooledbudget.errors import InvalidCommandError

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"


def _defined_commands() -> set[type[Command]]:
    """Every concrete command class defined in a module of the package."""
    found: set[type[Command]] = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Command) and cls is not Command and cls.__module__ == module.__name__:
                found.add(cls)
    return found


def test_the_list_names_every_command_class_once() -> None:
    assert len(set(COMMAND_CLASSES)) == len(COMMAND_CLASSES)
    assert set(COMMAND_CLASSES) == _defined_commands()


def test_the_union_and_the_registry_are_the_list() -> None:
    union, *metadata = get_args(AnyCommand)
    assert get_args(union) == COMMAND_CLASSES
    assert [m.discriminator for m in metadata] == ["command"]
    assert list(COMMANDS.values()) == list(COMMAND_CLASSES)
    assert list(COMMANDS) == [cls.__name__ for cls in COMMAND_CLASSES]


def test_a_command_literal_differing_from_its_class_name_is_refused() -> None:
    from typing import Literal

    class Misnamed(Command):
        command: Literal["SomethingElse"] = "SomethingElse"

    with pytest.raises(TypeError, match="SomethingElse"):
        command_name(Misnamed)


def test_an_unknown_command_is_refused_naming_every_command_in_the_list_order() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        package.parse_command({"command": "Nope"})
    assert caught.value.field == "command"
    assert "expected one of " + ", ".join(COMMANDS) in str(caught.value)


@pytest.mark.parametrize("cls", COMMAND_CLASSES, ids=lambda cls: cls.__name__)
def test_every_command_parses_by_its_name(cls: type[Command]) -> None:
    """A command with only its actor reaches its own model (the error names its own fields)."""
    with pytest.raises(InvalidCommandError) as caught:
        package.parse_command({"command": cls.__name__,
                               "actor": {"id": "pm", "partner": "ASC", "role": "pool_manager"}})
    required = {name for name, info in cls.model_fields.items() if info.is_required()} - {"actor"}
    assert caught.value.field in required


def test_every_command_in_the_list_has_a_reference_entry_and_a_wire_format_row() -> None:
    catalogue = (REFERENCE / "commands.md").read_text()
    wire = (REFERENCE / "wire-format.md").read_text()
    catalogued = re.findall(r"^## `(\w+)`$", catalogue, re.MULTILINE)
    table = wire.split("### The commands", 1)[1].split("\n\n")[1]
    rows = re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)
    names = [cls.__name__ for cls in COMMAND_CLASSES]
    assert catalogued[:len(names)] == names
    assert sorted(rows) == sorted(names)
