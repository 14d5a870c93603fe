"""Package names imported when first used (PEP 562), so that a command pays only for what it
runs: a report needs neither the command models nor the aggregates' event classes.

A package lists `name -> submodule` and gets a module `__getattr__` (and `__dir__`) from
`lazy_names`; each name is imported on first access, from the submodule where it is defined,
and then kept in the package's namespace, so `from package import name` works exactly as
before. The package keeps the same names under `if TYPE_CHECKING:` for type checkers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_names(package: str, names: Mapping[str, str],
               namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`: `names` maps each public name to the module
    (relative to `package`, e.g. ".service") that defines it."""

    def __getattr__(name: str) -> Any:
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
