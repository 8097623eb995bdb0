"""`python -m events_app`: configure logging, then serve until SIGTERM."""

from __future__ import annotations

import logging
import sys

import structlog
from aiohttp import web

from .app import create_app
from .settings import Settings


def configure_logging(level: str) -> None:
    """JSON lines on stdout, for the platform's log collector; aiohttp's own logs included."""
    numeric = logging.getLevelNamesMapping()[level]
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, structlog.stdlib.add_log_level, timestamper],
        )
    )
    logging.basicConfig(level=numeric, handlers=[handler], force=True)


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level)
    log = structlog.get_logger("events_app")
    log.info("starting", port=settings.port, color=settings.app_color, version=settings.app_version)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # run_app turns SIGTERM into a graceful stop; in-flight requests get this long to finish.
        shutdown_timeout=settings.shutdown_timeout,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        # run_app "prints" once the socket is bound: the moment a supervisor can send traffic.
        print=lambda _banner: log.info("listening", host=settings.host, port=settings.port),
    )


if __name__ == "__main__":
    main()
