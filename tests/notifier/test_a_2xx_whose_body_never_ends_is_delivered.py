"""A receiver that answers 2xx and then keeps its body coming (a slow or endless stream) has the delivery: it is
recorded delivered after one attempt, and the notifier hangs up without waiting for the body. Reading the body to
its end, the notifier waited out its timeout, recorded `TimeoutError` and sent the event again at every retry
(each one answered 200), and buffered whatever the receiver streamed meanwhile (about 1 GB in 3 s on loopback)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.notifier.records import Status
from services.shared.settings import BusSettings
from services.shared.timeouts import bounded
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver


class StreamingReceiver:
    """Answers every request `200` with a chunked body that starts and never ends; notes when the client hangs up."""

    def __init__(self) -> None:
        self.requests = 0
        self.hung_up = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                           if line.lower().startswith("content-length:")), 0)
            await reader.readexactly(length)
            self.requests += 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5\r\nhello\r\n")
            await writer.drain()
            await reader.read()  # b"" once the notifier closes the connection
        finally:
            self.hung_up.set()
            writer.close()


@contextlib.asynccontextmanager
async def streaming_receiver() -> AsyncIterator[tuple[StreamingReceiver, str]]:
    receiver = StreamingReceiver()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    try:
        yield receiver, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_2xx_whose_body_never_ends_is_delivered_once(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    requested, = walk("stream1", "demo")
    async with streaming_receiver() as (streaming, url):
        async with rig(bus_settings, postgres_url, receiver, [{"url": url}], retry_delays=[0.05, 0.05],
                       allow=["127.0.0.1"]) as r:
            await r.publish(requested)
            await bounded(streaming.hung_up.wait(), 20)  # the request came and the notifier hung up
        assert streaming.requests == 1
    records = await records_of(postgres_url, "stream1")
    assert [(rec.status, rec.attempts, rec.last_error) for rec in records] == [(Status.DELIVERED, 1, None)]
