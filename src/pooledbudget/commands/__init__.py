"""Commands as pydantic v2 models: the one input boundary for the Python API, JSON Lines and CLI.

A format failure becomes an `InvalidCommandError` naming the field and, where one applies, the
rule (formats: docs/reference/wire-format.md). The package holds, from the bottom up:

- `fields`: the validators of each kind of field, and the rule each failure names;
- `values`: value models commands are built from (`Actor`, `Cost`, `Element`, `Signatory`, ...);
- `command`: the `Command` base and its content digest (R25);
- `pools`, `register`, `decisions`, `spend`: the commands, by what they act on;
- `catalogue`: the one list of commands, `COMMAND_CLASSES`, and what is derived from it;
- `parse`: a JSON line or object to a command.

Every name is re-exported here, so `from pooledbudget import commands as c; c.RecordSpend` works.

The names are imported when first used (`pooledbudget.lazy`): a command that only reads, or a
module that names `c.Command` in annotations only, does not build the command models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .catalogue import COMMAND_CLASSES, COMMANDS, AnyCommand, command_name
    from .command import Command, _canonical
    from .decisions import (
        ApproveDecision,
        ApproveVariation,
        DeclineDecision,
        DeclineVariation,
        EndDecision,
        ProposeDecision,
        ProposeVariation,
    )
    from .fields import (
        CASE_REF,
        CODE_OF_ERROR,
        DATE,
        DUPLICATE_KEYS,
        IDENTIFIER,
        PARTNER_CODE,
        RULE_OF_ERROR,
        YEAR,
        Amount,
        CaseRef,
        Count,
        Day,
        FreeText,
        Identifier,
        PartnerCode,
        Percent,
        Role,
        SplitField,
        Text,
        Timestamp,
        Weeks,
        Year,
    )
    from .parse import invalid_command_from, parse_command, parse_json_line
    from .pools import (
        CloseYear,
        EstablishPool,
        JoinPool,
        PledgeContribution,
        ReceiveContribution,
        SealPool,
        VaryContribution,
    )
    from .register import AdoptSignatoryRegister, RegisterSignatory, RevokeSignatory
    from .spend import RecordOutcome, RecordSpend, ReverseSpend
    from .values import (
        Actor,
        Cost,
        Element,
        Model,
        Outcome,
        PartnerRef,
        RiskShareRule,
        Signatory,
        VariedElement,
        VariedOutcome,
    )

__all__ = [
    "CASE_REF", "CODE_OF_ERROR", "COMMANDS", "COMMAND_CLASSES", "DATE", "DUPLICATE_KEYS",
    "IDENTIFIER", "PARTNER_CODE", "RULE_OF_ERROR", "YEAR",
    "Actor", "AdoptSignatoryRegister", "Amount", "AnyCommand", "ApproveDecision",
    "ApproveVariation", "CaseRef", "CloseYear", "Command", "Cost", "Count", "Day",
    "DeclineDecision", "DeclineVariation", "Element", "EndDecision", "EstablishPool", "FreeText",
    "Identifier", "JoinPool", "Model", "Outcome", "PartnerCode", "PartnerRef", "Percent",
    "PledgeContribution", "ProposeDecision", "ProposeVariation", "ReceiveContribution",
    "RecordOutcome", "RecordSpend", "RegisterSignatory", "ReverseSpend", "RevokeSignatory",
    "RiskShareRule", "Role", "SealPool", "Signatory", "SplitField", "Text", "Timestamp",
    "VariedElement", "VariedOutcome", "VaryContribution", "Weeks", "Year",
    "_canonical", "command_name", "invalid_command_from", "parse_command", "parse_json_line",
]

_WHERE = {
    **dict.fromkeys(["COMMAND_CLASSES", "COMMANDS", "AnyCommand", "command_name"], ".catalogue"),
    **dict.fromkeys(["Command", "_canonical"], ".command"),
    **dict.fromkeys(["ApproveDecision", "ApproveVariation", "DeclineDecision", "DeclineVariation",
                     "EndDecision", "ProposeDecision", "ProposeVariation"], ".decisions"),
    **dict.fromkeys(["CASE_REF", "CODE_OF_ERROR", "DATE", "DUPLICATE_KEYS", "IDENTIFIER",
                     "PARTNER_CODE", "RULE_OF_ERROR", "YEAR", "Amount", "CaseRef", "Count", "Day",
                     "FreeText", "Identifier", "PartnerCode", "Percent", "Role", "SplitField",
                     "Text", "Timestamp", "Weeks", "Year"], ".fields"),
    **dict.fromkeys(["invalid_command_from", "parse_command", "parse_json_line"], ".parse"),
    **dict.fromkeys(["CloseYear", "EstablishPool", "JoinPool", "PledgeContribution",
                     "ReceiveContribution", "SealPool", "VaryContribution"], ".pools"),
    **dict.fromkeys(["AdoptSignatoryRegister", "RegisterSignatory", "RevokeSignatory"], ".register"),
    **dict.fromkeys(["RecordOutcome", "RecordSpend", "ReverseSpend"], ".spend"),
    **dict.fromkeys(["Actor", "Cost", "Element", "Model", "Outcome", "PartnerRef", "RiskShareRule",
                     "Signatory", "VariedElement", "VariedOutcome"], ".values"),
}
__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())
