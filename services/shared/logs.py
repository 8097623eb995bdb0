"""structlog set-up: JSON lines off a TTY, readable console on one, secrets never printed."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from services.shared.settings import LogSettings

_SECRET_KEY = re.compile(r"pass(word)?|secret|token|authorization|api_?key|credential", re.I)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def redact_url(url: str) -> str:
    return _URL_PASSWORD.sub(r"\1***@", url)


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if _SECRET_KEY.search(key) and value is not None:
            event[key] = "***"
        elif isinstance(value, str) and "://" in value:
            event[key] = redact_url(value)
    return event


def configure_logging(settings: LogSettings | None = None) -> None:
    settings = settings or LogSettings()
    as_json = settings.json_output if settings.json_output is not None else not sys.stderr.isatty()
    level = logging.getLevelName(settings.level.upper())
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info if as_json else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
