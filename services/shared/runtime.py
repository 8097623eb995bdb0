"""Every service is a small aiohttp app: health and metrics over HTTP (service_endpoints.py), its resources in
cleanup_ctx."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry
from pydantic_settings import BaseSettings

from services.shared.bus import Bus
from services.shared.db.metrics import ProjectionCollector, TransactionCpuCollector
from services.shared.db.runtime import database_ctx, projector_ctx
from services.shared.db.settings import DatabaseSettings
from services.shared.gc_tuning import GcSettings, tune_gc
from services.shared.listening import HOST_SETTING, bound_socket
from services.shared.logs import configure_logging
from services.shared.releaselog import LogReader
from services.shared.service_consumers import SubscriptionsFactory, add_subscriptions, worker_for
from services.shared.service_endpoints import (
    BUS,
    CONSUMERS,
    METRICS,
    READY,
    STORE,
    healthz,
    metrics,
    readyz,
)
from services.shared.serving import serve
from services.shared.settings import BusSettings, StartupError
from services.shared.startup import broker_error, load_settings
from services.shared.stop_deadline import STOP_WITHIN
from services.shared.store import ReleaseStore

log = structlog.get_logger(__name__)
S = TypeVar("S", bound=BaseSettings)
__all__ = ["BUS", "CONSUMERS", "METRICS", "READY", "STORE", "SubscriptionsFactory", "add_subscriptions", "run",
           "service_app", "settings_or_exit", "worker_for"]


def service_app(name: str, bus_settings: BusSettings, *, with_store: bool = False,
                database: DatabaseSettings | None = None, projects_first: bool = False,
                client_max_size: int = 1024**2) -> web.Application:
    """The shell of a service; `add_subscriptions` then attaches what it consumes.

    `database`: the durable read model (services/shared/db), projected from the log by this process or another;
    `projects_first`: by this one whenever it runs (services/shared/db/lease.py).
    `with_store`: an in-memory fold of the whole log instead, for tools and tests that observe a short log;
    its memory grows with the log, so no service runs with it."""
    app = web.Application(client_max_size=client_max_size)
    app[METRICS] = CollectorRegistry()
    app[READY] = {}
    app[STORE] = ReleaseStore()
    app[STOP_WITHIN] = bus_settings.grace_period + bus_settings.stop_margin
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    if database is not None:
        app[METRICS].register(TransactionCpuCollector())
        app.cleanup_ctx.append(database_ctx(database))
    app.cleanup_ctx.append(_bus_ctx(name, bus_settings))
    if database is not None:
        app.cleanup_ctx.append(projector_ctx(database, BUS, READY, preferred=projects_first))
        app[METRICS].register(ProjectionCollector(app))
    if with_store:
        app.cleanup_ctx.append(_log_reader_ctx)
    return app


def _bus_ctx(name: str, settings: BusSettings) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        bus = Bus(settings, connection_name=f"greenlight-{name}")
        try:
            await bus.connect()
        except Exception as exc:
            if (problem := broker_error(exc, settings.amqp_url.get_secret_value())) is not None:
                raise problem from None
            raise
        app[BUS] = bus
        log.info("connected to broker", service=name)
        yield
        await bus.close()

    return ctx


async def _log_reader_ctx(app: web.Application) -> AsyncIterator[None]:
    reader = LogReader(app[BUS], app[STORE])
    await reader.start()
    app[READY]["log"] = True
    yield
    await reader.stop()


def settings_or_exit(settings_class: type[S]) -> S:
    """The service's settings from the environment, or one line naming the invalid variable and exit 1."""
    configure_logging()
    try:
        return load_settings(settings_class)
    except StartupError as exc:
        sys.exit(f"greenlight: {exc}")


def run(app: web.Application, port: int, host: str | None = None, grace: float = 30.0, *,
        port_setting: str) -> None:
    # Loopback by default; a container sets GREENLIGHT_HTTP_HOST=0.0.0.0 so kubelet probes reach it.
    host = host or os.environ.get(HOST_SETTING, "127.0.0.1")
    configure_logging()
    # SIGTERM/SIGINT are a clean shutdown (serving.py, as run_app): cleanup_ctx unwinds in reverse order.
    try:
        tune_gc(app, load_settings(GcSettings))
        sock = bound_socket(host, port, port_setting)
        # Once its site accepts connections: one structured line a supervisor or test can await.
        serve(app, sock, shutdown_timeout=grace, on_serving=lambda: log.info("serving", host=host, port=port))
    except StartupError as exc:
        sys.exit(f"greenlight: {exc}")
