"""The ledger's own log: one line per command, silent unless the host asks for it.

A library must not print, nor configure logging for the application that embeds it. So:

- by default each record goes to the standard-library logger `pooledbudget` (which has a
  `NullHandler`, as libraries do): nothing appears unless the host configures `logging` itself,
  and then the records arrive in the host's handlers at level INFO;
- `configure_logging("console" | "json")` renders the ledger's records with structlog to stderr,
  through a logger of the ledger's own (`structlog.wrap_logger` with its own processors), never
  through `structlog.configure`: the host's structlog configuration is left as it was;
- structlog is imported only when `console` or `json` is chosen, so a command that logs nothing
  does not pay for loading it;
- `configure_logging("off")` drops them; `configure_logging("stdlib")` goes back to the default.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from .redaction import redact

if TYPE_CHECKING:
    import structlog

LOGGER_NAME = "pooledbudget"
MODES = ("off", "console", "json", "stdlib")
_stdlib = logging.getLogger(LOGGER_NAME)
_stdlib.addHandler(logging.NullHandler())


class _ToStdlib:
    """The default: records to `logging.getLogger("pooledbudget")`, the fields in `extra`."""

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, fields)

    @staticmethod
    def _log(level: int, event: str, fields: dict[str, Any]) -> None:
        if _stdlib.isEnabledFor(level):
            fields = _redacted(None, "log", fields)
            text = " ".join(f"{key}={value}" for key, value in fields.items())
            _stdlib.log(level, "%s %s", event, text, extra={"pooledbudget": fields})


class _Off:
    def info(self, event: str, **fields: Any) -> None:
        pass

    def warning(self, event: str, **fields: Any) -> None:
        pass


class LedgerLogger:
    """What the ledger's modules log through; `configure_logging` changes where it goes."""

    def __init__(self) -> None:
        self.target: Any = _ToStdlib()

    def info(self, event: str, **fields: Any) -> None:
        self.target.info(event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        self.target.warning(event, **fields)


def _redacted(_logger: Any, _method: str, event: Any) -> Any:
    """No password in a database URL reaches a log line, whichever field carries it."""
    return {k: redact(v) if isinstance(v, str) else v for k, v in event.items()}


LOG = LedgerLogger()


def ledger_logger() -> LedgerLogger:
    return LOG


def configure_logging(mode: str | None = None) -> None:
    """Where the ledger's own log lines go: `off`, `console` or `json` (structlog, to stderr)
    or `stdlib` (the `pooledbudget` logger of the standard library, as before any call);
    `$POOLEDBUDGET_LOG` chooses when `mode` is None, else `off`. Touches no other logger."""
    mode = mode or os.environ.get("POOLEDBUDGET_LOG") or "off"
    if mode not in MODES:
        raise ValueError(f"logging mode {mode!r}: choose one of {', '.join(MODES)}")
    if mode == "off":
        LOG.target = _Off()
    elif mode == "stdlib":
        LOG.target = _ToStdlib()
    else:
        import structlog  # only here: structlog (and the rich it loads) cost every start-up

        renderer: structlog.types.Processor = (
            structlog.processors.JSONRenderer() if mode == "json"
            else structlog.dev.ConsoleRenderer(colors=False))
        LOG.target = structlog.wrap_logger(
            structlog.PrintLogger(file=sys.stderr),
            processors=[_redacted, structlog.processors.add_log_level,
                        structlog.processors.TimeStamper(fmt="iso", utc=True), renderer],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            context_class=dict,
            cache_logger_on_first_use=False,
        )
