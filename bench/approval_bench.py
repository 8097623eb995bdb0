"""Approval API latency on loopback against the real broker.

    .venv/bin/python -m bench.approval_bench [--releases 300] [--subscribers 20]

create: POST /releases (validate, publish with confirm, remember), one app per release.
list: GET /releases?limit=50 with every release in the store.
fan-out: an event published on the bus -> received on every one of N open SSE streams.
Needs the broker at AMQP_URL (default: local guest); uses its own exchange, log and queues, then deletes them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

import aio_pika
import aiohttp
from aiohttp import web

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.events import first_event
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.harness import make_release

AUTH = {"Authorization": "Bearer requester-token"}


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    print(f"{name}: n={len(samples)} p50={statistics.median(samples) * 1000:.2f} ms "
          f"p99={p99 * 1000:.2f} ms max={ordered[-1] * 1000:.2f} ms")


async def next_message(response: aiohttp.ClientResponse) -> None:
    async for line in response.content:
        if line.startswith(b"data:"):
            return


async def bench(base: str, app: web.Application, releases: int, subscribers: int) -> None:
    async with aiohttp.ClientSession(base, headers=AUTH) as http:
        created: list[float] = []
        for i in range(releases):
            body = {"app": f"bench-{i}", "repository": "https://git.example.org/r.git", "commit": "a" * 40}
            started = time.perf_counter()
            async with http.post("/releases", json=body) as response:
                assert response.status == 202, await response.text()
            created.append(time.perf_counter() - started)
        report("create", created)

        listed: list[float] = []
        for _ in range(100):
            started = time.perf_counter()
            async with http.get("/releases?limit=50") as response:
                await response.read()
            listed.append(time.perf_counter() - started)
        report(f"list (50 of {releases})", listed)

        # The app is new, so the streams have no history: each then carries exactly the events published.
        streams = [await http.get("/events?app=fanout") for _ in range(subscribers)]
        fanout: list[float] = []
        try:
            for _ in range(50):
                event = first_event(make_release(rid=uuid.uuid4().hex, app="fanout"), actor="bench")
                started = time.perf_counter()
                await app[BUS].publish(event)
                await asyncio.gather(*(next_message(stream) for stream in streams))
                fanout.append(time.perf_counter() - started)
        finally:
            for stream in streams:
                stream.close()
        report(f"publish -> {subscribers} SSE streams", fanout)


async def main(releases: int, subscribers: int) -> None:
    prefix = f"glbench.{uuid.uuid4().hex[:8]}."
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    bus = BusSettings(amqp_url=url, exchange=prefix + "events", dead_letter_exchange=prefix + "dlx",  # type: ignore[arg-type]
                      dead_letter_queue=prefix + "dead", log_stream=prefix + "log", queue_prefix=prefix)
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        await bench(f"http://127.0.0.1:{port}", app, releases, subscribers)
    finally:
        await runner.cleanup()
        connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
        async with connection:
            channel = await connection.channel()
            for queue in (bus.log_stream, bus.dead_letter_queue):
                await channel.queue_delete(queue)
            for exchange in (bus.exchange, bus.dead_letter_exchange):
                await channel.exchange_delete(exchange)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=300)
    parser.add_argument("--subscribers", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.releases, args.subscribers))
