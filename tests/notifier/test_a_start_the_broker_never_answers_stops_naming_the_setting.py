"""A notifier start whose broker stops answering (the connection open, no byte back: a paused node, a network dropping
every packet) stops within GREENLIGHT_NOTIFIER_BROKER_TIMEOUT at whichever step it was, in one line naming the
setting (the process exits 1; its supervisor starts it again, on a new connection). Before, the start waited until
the heartbeats found the connection stuck (measured: 183 s at RabbitMQ's default heartbeat; never without
heartbeats), serving nothing and saying nothing, then failed in a traceback."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from aiohttp import web

import services.notifier.app as notifier_app
from services.notifier.app import create_app
from services.notifier.configurations import Configurations
from services.shared.settings import BusSettings, StartupError
from tests.failed_start import failed_start
from tests.notifier.conftest import rig
from tests.notifier.receiver import Receiver
from tests.ports import free_port
from tests.tcp_proxy import TcpProxy, proxied

BOUND = 0.5  # GREENLIGHT_NOTIFIER_BROKER_TIMEOUT
STOPPED_WITHIN = 30.0  # the start up to that step (a few broker and database calls), on a loaded machine, and the bound


def freezing_after(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, proxy: TcpProxy) -> None:
    """The broker stops answering once `owner.name` (a step of the start) has returned, the first time."""
    call = getattr(owner, name)

    async def then_frozen(*args: Any) -> Any:
        result = await call(*args)
        proxy.freeze()
        monkeypatch.setattr(owner, name, call)
        return result

    monkeypatch.setattr(owner, name, then_frozen)


@pytest.mark.parametrize(("owner", "after", "doing"), [
    (notifier_app, "open_migrated", "declaring its retry queues"),
    (Configurations, "newest", "binding its queue per subscription"),
    (notifier_app, "bind_subscriptions", "dropping an older Greenlight's bindings"),
    (notifier_app, "drop_unfiltered_bindings", "declaring its queue"),
])
async def test_a_start_the_broker_stops_answering_stops_in_one_line_naming_the_setting(
        bus_settings: BusSettings, database_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
        owner: object, after: str, doing: str) -> None:
    async with rig(bus_settings, database_url, receiver, notifier=False) as r, \
            proxied(bus_settings) as (proxy, via_proxy):
        freezing_after(monkeypatch, owner, after, proxy)
        runner = web.AppRunner(create_app(r.settings.model_copy(update={"bus": via_proxy,
                                                                        "broker_timeout": BOUND})))
        try:
            with pytest.raises(StartupError) as stopped:
                async with asyncio.timeout(STOPPED_WITHIN):
                    await runner.setup()
        finally:
            proxy.thaw()  # the connection the start opened closes at once
            await runner.cleanup()
    said = str(stopped.value)
    assert "GREENLIGHT_NOTIFIER_BROKER_TIMEOUT (0.5 s)" in said and f"({doing})" in said, said
    assert "\n" not in said and "guest" not in said  # one line; no credential of AMQP_URL


class FrozenAt(TcpProxy):
    """A proxy that freezes when the client sends bytes holding `marker` (those held back too): the broker stops
    answering at one call of a process the test cannot patch."""

    def __init__(self, target_host: str, target_port: int, marker: bytes) -> None:
        super().__init__(target_host, target_port)
        self.marker = marker

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                if self.marker in data:
                    self.freeze()
                await self._flowing.wait()
                dst.write(data)
                await dst.drain()
        dst.transport.abort()
        self._writers.discard(dst)


async def test_the_process_exits_1_in_one_line(bus_settings: BusSettings, tmp_path: Path) -> None:
    broker = urlparse(bus_settings.amqp_urls()[0])
    proxy = FrozenAt(broker.hostname or "127.0.0.1", broker.port or 5672,
                     f"{bus_settings.queue_prefix}notifier.retry.0".encode())  # its first retry queue's declare
    await proxy.start()
    try:
        last, _ = await asyncio.to_thread(failed_start, "notifier", {
            "AMQP_URL": f"amqp://{broker.username}:{broker.password}@127.0.0.1:{proxy.port}/",
            "GREENLIGHT_EXCHANGE": bus_settings.exchange, "GREENLIGHT_LOG_STREAM": bus_settings.log_stream,
            "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
            "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus_settings.dead_letter_exchange,
            "GREENLIGHT_DEAD_LETTER_QUEUE": bus_settings.dead_letter_queue,
            "GREENLIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/gl.db",
            "GREENLIGHT_NOTIFIER_PORT": str(free_port()), "GREENLIGHT_NOTIFIER_BROKER_TIMEOUT": "1",
        }, STOPPED_WITHIN)
    finally:
        proxy.thaw()
        await proxy.stop()
    assert last == ("greenlight: the broker at AMQP_URL did not answer the notifier's start (declaring its retry "
                    "queues) within GREENLIGHT_NOTIFIER_BROKER_TIMEOUT (1 s): a paused node or a network dropping "
                    "packets; the next start opens a new connection (check RabbitMQ, or raise "
                    "GREENLIGHT_NOTIFIER_BROKER_TIMEOUT for a broker that is only slow)"), last
