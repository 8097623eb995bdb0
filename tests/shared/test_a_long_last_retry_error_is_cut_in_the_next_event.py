"""The last error a message's retry headers carry is recorded in the release's next event (`last_retry_error`), at
most LAST_ERROR_CHARS of it, cut between characters and said to be cut. The consumer's own retries write 500 at most,
but the header may be a publisher's or a tool's: only the broker's frame size bounded it, and the whole of it went
into the event, the release log and every read of the release.
"""

from __future__ import annotations

import time

import aio_pika
from aiohttp import web

from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.retry_state import LAST_ERROR_CHARS, LAST_ERROR_HEADER, RETRIES_HEADER, SINCE_HEADER
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service

LONG_ERROR = "é" * 50_000  # two bytes each: 100 kB, within the broker's default frame of 128 kB


async def test_a_long_last_retry_error_is_cut_in_the_next_event(bus_settings: BusSettings,
                                                                probe: web.Application) -> None:
    async with running(stub_service(bus_settings)):
        channel = await probe[BUS].connection.channel()
        body = first_event(make_release(rid="r-long-error"), actor="ann").dumps()
        headers = {RETRIES_HEADER: 2, SINCE_HEADER: round(time.time() * 1000), LAST_ERROR_HEADER: LONG_ERROR}
        await channel.default_exchange.publish(aio_pika.Message(body, headers=headers),
                                               routing_key=f"{bus_settings.queue_prefix}builder")
        await channel.close()
        built = await wait_for_state(probe[STORE], "r-long-error", S.BUILT, S.FAILED, timeout=10)
    assert built.state is S.BUILT, built.error
    [event] = [stored.event for stored in probe[STORE].history["r-long-error"] if stored.event.state is S.BUILT]
    said = event.details["last_retry_error"]
    assert event.details["retries"] == 2
    assert said == f"{'é' * LAST_ERROR_CHARS}… (cut from {len(LONG_ERROR)} characters)", said[:80]
