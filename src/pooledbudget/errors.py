"""One error tree: every rejected command raises a `LedgerError` with a stable code and rule.

`code` is a stable string for programs, `rule` the DOMAIN rule it enforces (`R14`) or None for
shape errors, `field` the command field at fault (dotted path) or None.
"""

from __future__ import annotations


class LedgerError(Exception):
    """A command was rejected; nothing was written."""

    code = "ledger_error"
    rule: str | None = None

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if rule is not None:
            self.rule = rule

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "rule": self.rule, "field": self.field, "message": self.message}


class InvalidCommandError(LedgerError):
    """The line's shape or a field's format is wrong (rule None, or R1/R2/R3/R9 for formats)."""

    code = "invalid_command"


class AuthorisationError(LedgerError):
    code = "not_authorised"
    rule = "R26"


class IdempotencyConflictError(LedgerError):
    code = "command_id_conflict"
    rule = "R25"


class TimeWentBackwardsError(LedgerError):
    code = "time_went_backwards"


class YearClosedError(LedgerError):
    code = "year_closed"
    rule = "R17"


class StateError(LedgerError):
    """The ledger's current state does not allow the command (R5, R9, R10, R12, R13, R16)."""

    code = "invalid_state"


class LimitError(LedgerError):
    """The command would break a limit (R6, R7, R14)."""

    code = "limit_exceeded"


class ConcurrencyConflictError(LedgerError):
    """The command lost a race against another writer more times than it retries."""

    code = "concurrency_conflict"


class WriteLockTimeoutError(LedgerError):
    """Other writers held the database's write lock for longer than the ledger's `lock_timeout`:
    the command waited its turn, was not given it in time, and wrote nothing."""

    code = "write_lock_timeout"
