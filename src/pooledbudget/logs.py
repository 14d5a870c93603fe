"""Structured logs through structlog: one line per command, JSON when asked."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from .redaction import redact


def _redact_passwords(_logger: Any, _method: str,
                      event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """No password in a database URL reaches a log line, whichever field carries it."""
    return {k: redact(v) if isinstance(v, str) else v for k, v in event.items()}


def configure_logging(mode: str | None = None) -> None:
    """`off` (default), `console` or `json`; `$POOLEDBUDGET_LOG` chooses when `mode` is None."""
    mode = mode or os.environ.get("POOLEDBUDGET_LOG", "off")
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if mode == "json" else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            _redact_passwords,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.CRITICAL if mode == "off" else logging.INFO
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
