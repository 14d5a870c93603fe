"""Idempotency (R25): a command_id applied once; again, the first result; with other content,
refused. The receipts and new references a group will look for are found absent in one query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from .. import aggregates
from .. import commands as c
from ..aggregates.terms import Actor
from ..errors import IdempotencyConflictError
from ..references import reference_key
from .loading import Loading
from .results import CommandResult

if TYPE_CHECKING:
    from ..aggregates import CommandReceipt


class Idempotency(Loading):
    def _duplicate(self, command: c.Command, digest: str | None) -> CommandResult | None:
        """The first result if this command_id was already applied (R25), else None."""
        if not command.command_id:
            return None
        receipt = self._find(aggregates.CommandReceipt,
                             aggregates.receipt_uuid(command.command_id), read_only=True)
        if receipt is None:
            return None
        if receipt.digest != digest:
            raise IdempotencyConflictError(
                f"command_id {command.command_id} was already used for a different "
                "command (R25)", field="command_id")
        return CommandResult(command.kind, list(receipt.events), duplicate=True)

    @staticmethod
    def _receipt(command: c.Command, digest: str, events: list[str], actor: Actor,
                 at: datetime) -> CommandReceipt:
        """The record that `command_id` was applied, with its content's digest and result."""
        assert command.command_id is not None
        return aggregates.CommandReceipt.accept(command.command_id, command.kind, digest,
                                     getattr(command, "pool_id", None), events, actor, at)

    @staticmethod
    def _unique_ids(commands: Sequence[c.Command]) -> set[UUID]:
        """The receipts and new invoice references these commands will look for: in a feed,
        almost always ones that don't exist yet."""
        from ..aggregates.registry import evidence_uuid, invoice_key_uuid, receipt_uuid

        wanted = {receipt_uuid(cmd.command_id) for cmd in commands if cmd.command_id}
        wanted |= {invoice_key_uuid(cmd.pool_id, reference_key(cmd.invoice_ref))
                   for cmd in commands if isinstance(cmd, (c.RecordSpend, c.RecordOutcome))}
        wanted |= {evidence_uuid(cmd.pool_id, cmd.evidence_ref) for cmd in commands
                   if isinstance(cmd, c.RecordOutcome)}
        return wanted

    def _absent(self, commands: Sequence[c.Command]) -> set[UUID]:
        """Those of `_unique_ids` that don't exist, found in one query for a whole group."""
        wanted = self._unique_ids(commands)
        existing: set[UUID] = self.recorder.existing(list(wanted))  # type: ignore[attr-defined]
        return wanted - existing
