"""A service's app served on its bound socket: aiohttp's `run_app` life cycle, with the app's connection limits.

`web.run_app` builds its own AppRunner, whose server makes aiohttp's plain connections: the limits of
connection_guard.py need a runner of their own, so the few lines of `run_app` a service uses are here (one socket,
no access log, SIGTERM/SIGINT a clean shutdown, what is left cancelled before the loop closes). An app without
`CONNECTIONS` is served exactly as `run_app` served it."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
from collections.abc import Callable, Iterator

import structlog
from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.shared.connection_guard import CONNECTIONS, ConnectionLimits, Connections, GuardedServer
from services.shared.settings import StartupError
from services.shared.stop_deadline import StopBoundRunner

log = structlog.get_logger(__name__)
# Files a service holds besides its HTTP connections: the listening socket, the broker's and the database pool's
# connections, git's pipes, log files, the loop's own. An API at its connection ceiling still opens these.
RESERVED_FILES = 64
KEEPALIVE_SECONDS = 75.0  # run_app's idle keep-alive, kept


class GuardedRunner(StopBoundRunner):
    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()
        connections = self.app.get(CONNECTIONS)
        return plain if connections is None else GuardedServer(plain, connections)


class ConnectionsCollector(Collector):
    """`greenlight_http_connections` open now and `greenlight_http_connections_closed_total{reason}`, read at
    scrape time from the server's own counts."""

    def __init__(self, connections: Connections) -> None:
        self.connections = connections

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("greenlight_http_connections", "HTTP connections open",
                                value=len(self.connections.open))
        closed = CounterMetricFamily("greenlight_http_connections_closed", "HTTP connections closed by the limits: "
                                     "head_deadline, refused (at the ceiling), idle_let_go (for a new one)",
                                     labels=["reason"])
        for reason, count in self.connections.closed.items():
            closed.add_metric([reason], count)
        yield closed


def make_room_for(limits: ConnectionLimits) -> None:
    """The open-files limit (RLIMIT_NOFILE) fits the connection ceiling: its soft limit raised up to the hard one
    if it must (as Go's runtime does), else a StartupError naming the setting."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = limits.max_connections + RESERVED_FILES
    if soft == resource.RLIM_INFINITY or need <= soft:
        return
    if hard != resource.RLIM_INFINITY and need > hard:
        raise StartupError(f"{limits.connections_setting}={limits.max_connections} needs {need} open files "
                           f"({RESERVED_FILES} besides connections), above this process's limit of {hard} "
                           "(RLIMIT_NOFILE): lower the setting or raise the limit")
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    log.info("raised the open-files limit", soft_from=soft, soft_to=need, setting=limits.connections_setting)


def serve(app: web.Application, sock: socket.socket, *, shutdown_timeout: float,
          on_serving: Callable[[], None]) -> None:
    """`app` on `sock` until SIGTERM or SIGINT; `on_serving` once it accepts connections."""
    if (connections := app.get(CONNECTIONS)) is not None:
        make_room_for(connections.limits)
    loop = asyncio.new_event_loop()
    main = loop.create_task(_serve(app, sock, shutdown_timeout, on_serving))
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):  # the signal handlers raise it from the loop
        pass
    finally:
        try:
            if not main.done():
                main.cancel()  # its `finally` shuts the app down: cleanup_ctx unwinds in reverse order
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(main)
        finally:
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())  # as run_app: threads joined before exit
            loop.close()
            asyncio.set_event_loop(None)


async def _serve(app: web.Application, sock: socket.socket, shutdown_timeout: float,
                 on_serving: Callable[[], None]) -> None:
    runner = GuardedRunner(app, handle_signals=True, access_log=None, shutdown_timeout=shutdown_timeout,
                           keepalive_timeout=KEEPALIVE_SECONDS)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        on_serving()
        await asyncio.Event().wait()  # until the signal handlers' GracefulExit ends the loop
    finally:
        await runner.cleanup()
