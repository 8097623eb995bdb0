"""A service whose broker stops answering right after the handshake (the connection open, no byte back: a paused
node, a network dropping every packet) stops its start within GREENLIGHT_CONNECT_TIMEOUT of silence, at whichever
declaration it was, in one line naming the setting (the process exits 1; its supervisor starts it again, on a new
connection). Before, `Bus.connect` bounded the handshake only: the start waited in its declarations until the
heartbeats found the connection stuck (minutes; never without heartbeats), serving nothing and saying nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlparse

import pytest
from aiohttp import web
from pamqp import commands, frame
from pydantic import SecretStr

import services.shared.bus as bus_module
from services.analysis.app import create_app
from services.analysis.settings import AnalysisSettings
from services.shared.ended import EndedReleases
from services.shared.settings import BusSettings, StartupError
from tests.failed_start import failed_start
from tests.notifier.test_a_start_the_broker_never_answers_stops_naming_the_setting import FrozenAt, freezing_after
from tests.ports import free_port

BOUND = 0.5  # GREENLIGHT_CONNECT_TIMEOUT
# The bound, the half-set-up connection's close (10 s at most) and a loaded machine's start, with room.
STOPPED_WITHIN = 40.0
CHANNEL_OPEN = frame.marshal(commands.Channel.Open(), 1)  # the first call after the handshake: Bus.connect's channel


def frozen_at_the_first_channel(bus_settings: BusSettings) -> tuple[FrozenAt, str]:
    """A proxy that lets the handshake through and freezes at the first channel's open, and its AMQP_URL."""
    broker = urlparse(bus_settings.amqp_urls()[0])
    proxy = FrozenAt(broker.hostname or "127.0.0.1", broker.port or 5672, CHANNEL_OPEN)
    return proxy, f"amqp://{broker.username}:{broker.password}@127.0.0.1:{proxy.port}/"


@pytest.mark.parametrize(("after", "doing"), [
    (None, "opening its channel"),
    ((bus_module, "declare_log_stream"), "watching for ended releases"),
    ((EndedReleases, "watch"), "declaring the work queues"),
])
async def test_a_start_the_broker_stops_answering_stops_in_one_line_naming_the_setting(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch, after: tuple[object, str] | None,
        doing: str) -> None:
    proxy, url = frozen_at_the_first_channel(bus_settings)
    if after is not None:
        proxy.marker = b"never sent"
        freezing_after(monkeypatch, *after, proxy)
    await proxy.start()
    via_proxy = bus_settings.model_copy(update={"amqp_url": SecretStr(url),
                                                "connect_timeout": BOUND})
    runner = web.AppRunner(create_app(AnalysisSettings(bus=via_proxy)))
    try:
        with pytest.raises(StartupError) as stopped:
            async with asyncio.timeout(STOPPED_WITHIN):
                await runner.setup()
    finally:
        proxy.thaw()
        await runner.cleanup()
        await proxy.stop()
    said = str(stopped.value)
    assert "GREENLIGHT_CONNECT_TIMEOUT (0.5 s)" in said and f"({doing})" in said, said
    assert "\n" not in said and "guest" not in said  # one line; no credential of AMQP_URL


async def test_the_process_exits_1_in_one_line(bus_settings: BusSettings, tmp_path: Path) -> None:
    proxy, url = frozen_at_the_first_channel(bus_settings)
    await proxy.start()
    try:
        last, _ = await asyncio.to_thread(failed_start, "analysis", {
            "AMQP_URL": url,
            "GREENLIGHT_EXCHANGE": bus_settings.exchange, "GREENLIGHT_LOG_STREAM": bus_settings.log_stream,
            "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
            "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus_settings.dead_letter_exchange,
            "GREENLIGHT_DEAD_LETTER_QUEUE": bus_settings.dead_letter_queue,
            "GREENLIGHT_ANALYSIS_PORT": str(free_port()), "GREENLIGHT_CONNECT_TIMEOUT": "1",
        }, STOPPED_WITHIN)
    finally:
        proxy.thaw()
        await proxy.stop()
    assert last == ("greenlight: the broker at AMQP_URL stopped answering the start (opening its channel) for "
                    "GREENLIGHT_CONNECT_TIMEOUT (1 s): a paused node or a network dropping packets; the next start "
                    "opens a new connection (check RabbitMQ, or raise GREENLIGHT_CONNECT_TIMEOUT for a broker that "
                    "is only slow)"), last
