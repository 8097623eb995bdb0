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
# The user may be empty: `redis://:password@host` is Redis's own form (libpq takes it too).
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")
# An http(s) user name is often the token itself (`https://ghp_…@github.com`, `https://x-access-token:…@host`): the
# whole userinfo goes, up to its last `@` as a URL parser reads it. ssh's user (`ssh://git@host`) stays readable.
_HTTP_USERINFO = re.compile(r"\b(https?://)[^/?#\s]+@", re.IGNORECASE)


def mask_url_passwords(text: str) -> str:
    """Every http(s) URL's userinfo and every other URL's password in free text (a message, an exception) masked; one
    URL to show, query credentials included, goes through redact.redact_url instead."""
    return _URL_PASSWORD.sub(r"\1***@", _HTTP_USERINFO.sub(r"\1***@", text))


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if _SECRET_KEY.search(key) and value is not None:
            event[key] = "***"
        elif isinstance(value, str) and "://" in value:
            event[key] = mask_url_passwords(value)
        elif isinstance(value, BaseException) and "://" in (shown := repr(value)):
            event[key] = mask_url_passwords(shown)  # `error=exc`: the renderer would print its repr unmasked
    return event


def configure_logging(settings: LogSettings | None = None) -> None:
    """Our own logs and every library's (aio-pika, aiohttp, asyncio: stdlib `logging`) go through the same
    processors, redaction included, and come out in one format: no plain-text line among the JSON ones."""
    settings = settings or LogSettings()
    as_json = settings.json_output if settings.json_output is not None else not sys.stderr.isatty()
    level = logging.getLevelName(settings.level.upper())
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    # Exceptions are rendered as plain text before the redaction, on a console too: rendered later they escaped it
    # (a URL's password in the message), and the console's rich traceback listed every frame's locals (a failed
    # statement's parameters, a handler's secret).
    exceptions: list[Any] = [structlog.processors.format_exc_info] if as_json else [
        structlog.processors.StackInfoRenderer(), structlog.processors.format_exc_info]
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        *exceptions,
        _redact,
    ]
    _route_stdlib_logging(level, [structlog.stdlib.add_logger_name, *shared, _redact_library_args], renderer)
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def _redact_library_args(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    # A library formats its own message ("connecting to amqp://user:pass@..."): redact the text itself.
    message = event.get("event")
    if isinstance(message, str) and "://" in message:
        event["event"] = mask_url_passwords(message)
    return event


def _route_stdlib_logging(level: int, chain: list[Any], renderer: Any) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(_said_by_aio_pika_too)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=chain,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    ))
    root = logging.getLogger()
    # Replace only our own handler: configuring twice must not print each line twice.
    root.handlers = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(level)


_HANDLER_NAME = "greenlight-structlog"


def _said_by_aio_pika_too(record: logging.LogRecord) -> bool:
    # aiormq logs every failed connect at ERROR, then aio-pika raises it (start-up: our one line names
    # AMQP_URL) or logs its reconnect: the same fact twice, the first time without what to do about it.
    return not (record.name == "aiormq.connection" and str(record.msg).startswith("error when creating transport"))
