"""One error tree: every rejected command raises a `LedgerError` with a stable code and rule.

`code` is a stable string for programs, `rule` the rule it enforces (`R14`, explained in
docs/reference/rules.md) or None for shape errors, `field` the command field at fault (dotted
path) or None. The message is a sentence for people that cites its rule once, at the end.
"""

from __future__ import annotations

import re


def cite_once(message: str, rule: str | None) -> str:
    """`message` citing `rule` once, at its end: "... (rule R14)".

    Raise sites may mark the rule in their text ("... (R14)", or a leading "R14 "); those marks
    of the error's own rule are dropped and one citation is appended, so the message never
    repeats the `rule` field. Citations of other rules inside the sentence stay.
    """
    if rule is None:
        return message
    own = re.escape(rule)
    text = re.sub(rf"\s*\((?:rule )?{own}\)(?![0-9])", "", message)
    text = re.sub(rf"^{own}(?![0-9])[:\s]+", "", text).rstrip()
    stop = "." if text.endswith(".") and not text.endswith("..") else ""
    return f"{text.removesuffix(stop)} (rule {rule}){stop}"


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
        self.field = field
        if code is not None:
            self.code = code
        if rule is not None:
            self.rule = rule
        self.message = cite_once(message, self.rule)
        super().__init__(self.message)

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


class TimeInFutureError(LedgerError):
    """Under `use_command_time`, `at` is more than five minutes after the ledger's clock."""

    code = "time_in_future"


class UnknownDigestError(LedgerError):
    """`verify --from-seal DIGEST` names no seal and no head of this ledger: nothing to start
    from, so nothing was checked (the CLI exits 2)."""

    code = "unknown_digest"


class EnvironmentProblem(LedgerError):
    """The command cannot run where it was pointed: a database that is missing, unreachable,
    read-only or not a ledger, a cipher key that is missing or wrong, an output path it must not
    write. Nothing was read or written; the CLI exits 2."""

    code = "environment"


class DatabaseNotFoundError(EnvironmentProblem):
    code = "database_not_found"


class DatabaseUnavailableError(EnvironmentProblem):
    code = "database_unavailable"


class CipherKeyError(EnvironmentProblem):
    code = "cipher_key"


class OutputPathError(EnvironmentProblem):
    code = "output_path"


class WriteLockTimeoutError(LedgerError):
    """Other writers held the database's write lock for longer than the ledger's `lock_timeout`:
    the command waited its turn, was not given it in time, and wrote nothing."""

    code = "write_lock_timeout"
