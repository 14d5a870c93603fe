"""Which account and cost centre each journal line goes to, per partner and category.

Each partner of a pool keeps the pool in its own general ledger under its own codes, so the
journal export reads them from a mapping file (TOML or JSON) of this shape:

    [default]                         # everyone, everything, unless said below
    cost_centre = "POOL"
    accounts = { expenditure = "5000", host_creditor = "2100", bank = "1000", contribution = "4900" }

    [categories.family-residential-rehab]       # spend of one decision category, every partner
    accounts = { expenditure = "5210" }

    [partners.ICB]                               # one partner's own codes
    cost_centre = "S75-FRP"
    accounts = { expenditure = "E7100" }

    [partners.ICB.categories.community-team]     # one partner, one category
    accounts = { expenditure = "E7300" }

The most specific entry that gives a code wins: partner and category, then partner, then
category, then default; with none, the account is the line type's name and the cost centre the
pool's id. Contributions have no category.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LedgerError

LINE_TYPES = ("expenditure", "host_creditor", "bank", "contribution")
_LEVEL_KEYS = {"cost_centre", "accounts"}
_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would read a formula


class MappingError(LedgerError):
    """The mapping file is unreadable or says something the export cannot use."""

    code = "invalid_mapping"


@dataclass(frozen=True)
class Codes:
    """What one level of the mapping sets (None: not set here)."""

    cost_centre: str | None = None
    accounts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JournalMapping:
    default: Codes = Codes()
    categories: dict[str, Codes] = field(default_factory=dict)
    partners: dict[str, Codes] = field(default_factory=dict)
    partner_categories: dict[tuple[str, str], Codes] = field(default_factory=dict)

    def codes(self, pool: str, partner: str, category: str | None,
              line_type: str) -> tuple[str, str]:
        """(account, cost_centre) for one line: the most specific level that sets each."""
        levels = [self.partners.get(partner), self.default]
        if category is not None:
            levels = [self.partner_categories.get((partner, category)),
                      self.partners.get(partner), self.categories.get(category), self.default]
        account = next((lv.accounts[line_type] for lv in levels
                        if lv is not None and line_type in lv.accounts), line_type)
        centre = next((lv.cost_centre for lv in levels
                       if lv is not None and lv.cost_centre is not None), pool)
        return account, centre

    def check_partners(self, partners: list[str], pool: str) -> None:
        """A partner the pool does not have is a typo that would silently use the defaults."""
        named = set(self.partners) | {p for p, _ in self.partner_categories}
        unknown = sorted(named - set(partners))
        if unknown:
            raise MappingError(f"the mapping names {', '.join(unknown)}, not a partner of pool "
                               f"{pool}", field=f"partners.{unknown[0]}")

    @classmethod
    def from_dict(cls, data: Any) -> JournalMapping:
        _ensure_table(data, "mapping")
        _ensure_keys(data, {"default", "categories", "partners"}, "mapping")
        categories = {name: _level(level, f"categories.{name}")
                      for name, level in _table(data.get("categories", {}), "categories").items()}
        partners: dict[str, Codes] = {}
        partner_categories: dict[tuple[str, str], Codes] = {}
        for code, level in _table(data.get("partners", {}), "partners").items():
            where = f"partners.{code}"
            partners[code] = _level(level, where, nested=True)
            for name, inner in _table(level.get("categories", {}), f"{where}.categories").items():
                partner_categories[(code, name)] = _level(inner, f"{where}.categories.{name}")
        return cls(_level(data.get("default", {}), "default"), categories, partners,
                   partner_categories)

    @classmethod
    def load(cls, path: Path | str) -> JournalMapping:
        """A mapping file: `.toml`, or JSON (`.json` or anything else)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise MappingError(f"cannot read the mapping file {path}: {error.strerror}",
                               field="mapping") from None
        try:
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
            raise MappingError(f"the mapping file {path} is not valid "
                               f"{'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {error}",
                               field="mapping") from None
        return cls.from_dict(data)


def _ensure_table(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise MappingError(f"{where} must be a table of names to values", field=where)


def _ensure_keys(value: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise MappingError(f"{where}.{unknown[0]} is not a mapping setting (expected "
                           f"{', '.join(sorted(allowed))})", field=f"{where}.{unknown[0]}")


def _table(value: Any, where: str) -> dict[str, Any]:
    _ensure_table(value, where)
    return dict(value)


def _code(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{where} must be a non-empty text code", field=where)
    if value.startswith(_UNSAFE_START):
        raise MappingError(f"{where} {value!r} starts with {value[0]!r}, which a spreadsheet "
                           "reads as a formula", field=where)
    return value


def _level(value: Any, where: str, nested: bool = False) -> Codes:
    _ensure_table(value, where)
    _ensure_keys(value, _LEVEL_KEYS | ({"categories"} if nested else set()), where)
    accounts = _table(value.get("accounts", {}), f"{where}.accounts")
    _ensure_keys(accounts, set(LINE_TYPES), f"{where}.accounts")
    centre = value.get("cost_centre")
    return Codes(None if centre is None else _code(centre, f"{where}.cost_centre"),
                 {kind: _code(code, f"{where}.accounts.{kind}") for kind, code in accounts.items()})
