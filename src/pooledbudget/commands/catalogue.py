"""The one list of commands. The discriminated union that parses them, the registry by name and
everything else that enumerates commands (the reference pages, the parse error's "expected one
of") are derived from `COMMAND_CLASSES`; add a command here and nowhere else."""

from __future__ import annotations

from typing import Annotated, Any, Union, get_args

from pydantic import Field

from .command import Command
from .decisions import (
    ApproveDecision,
    ApproveVariation,
    DeclineDecision,
    DeclineVariation,
    EndDecision,
    ProposeDecision,
    ProposeVariation,
)
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

COMMAND_CLASSES: tuple[type[Command], ...] = (
    EstablishPool, JoinPool, PledgeContribution, VaryContribution, ReceiveContribution,
    ProposeDecision, ApproveDecision, DeclineDecision, ProposeVariation, ApproveVariation,
    DeclineVariation, EndDecision, RecordSpend, RecordOutcome, ReverseSpend, CloseYear,
    SealPool, AdoptSignatoryRegister, RegisterSignatory, RevokeSignatory,
)
"""Every command the ledger accepts, in the order the reference pages list them."""


def command_name(cls: type[Command]) -> str:
    """The `command` a JSON line gives for `cls`: its literal, which is its class name."""
    (name,) = get_args(cls.model_fields["command"].annotation)
    if name != cls.__name__:
        raise TypeError(f"{cls.__name__}'s command literal is {name!r}, not its class name")
    return str(name)


COMMANDS: dict[str, type[Command]] = {command_name(cls): cls for cls in COMMAND_CLASSES}
"""The registry: each command's class by its name."""

AnyCommand: Any = Annotated[Union[COMMAND_CLASSES], Field(discriminator="command")]  # noqa: UP007
"""Any one command, told apart by its `command` field (pydantic's discriminated union)."""
