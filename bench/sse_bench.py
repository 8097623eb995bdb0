"""Event streams at scale: N open SSE streams, then POST /releases latency and fan-out delivery.

    .venv/bin/python -m bench.sse_bench [--streams 2000] [--posts 200]

The API runs as its own process (`python -m services.approval`), as in production, so the stream
clients in this process do not share its CPU. Measured, in one run:
  baseline: POST /releases with no stream open (p50, p99);
  connect: time to open N streams on `/events` (every app: each event goes to all N);
  POST /releases with N streams open (p50, p99; goal p99 <= 50 ms);
  delivery: POST answered -> its `requested` event read on the last of the N streams (p50, p99).
Needs the broker at AMQP_URL (default: local guest); uses its own exchange, log and queues, then deletes them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
import uuid

import aiohttp

from bench.loop_stalls import ENV as STALLS
from bench.loop_stalls import module_command
from services.shared.settings import BusSettings
from tests.cleanup import drop_topology
from tests.ports import free_port

AUTH = {"Authorization": "Bearer requester-token"}
RUN = uuid.uuid4().hex[:6]  # app names of their own: a database kept from an earlier run holds its releases


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1000


def report(name: str, samples: list[float]) -> None:
    print(f"{name}: n={len(samples)} p50={statistics.median(samples) * 1000:.2f} ms p99={p(samples, 0.99):.2f} ms "
          f"max={max(samples) * 1000:.2f} ms", flush=True)


class Reader:
    """One open stream; wakes whoever waits for a given release id to appear on it."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.seen: set[str] = set()
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for line in self.response.content:
            if line.startswith(b"data:"):
                rid = line.split(b'"release_id":"', 1)[1].split(b'"', 1)[0].decode()
                self.seen.add(rid)
                self.changed.set()

    async def wait_for(self, rid: str) -> None:
        while rid not in self.seen:
            self.changed.clear()
            await self.changed.wait()


async def posts(http: aiohttp.ClientSession, count: int, tag: str, readers: list[Reader]) -> None:
    latency: list[float] = []
    delivery: list[float] = []
    for i in range(count):
        body = {"app": f"b{RUN}-{tag}-{i}", "repository": "https://git.example.org/r.git", "commit": "a" * 40}
        started = time.perf_counter()
        async with http.post("/releases", json=body) as response:
            assert response.status == 202, await response.text()
            rid = (await response.json())["id"]
        answered = time.perf_counter()
        latency.append(answered - started)
        if readers:
            await asyncio.wait_for(asyncio.gather(*(r.wait_for(rid) for r in readers)), 60)
            delivery.append(time.perf_counter() - answered)
    report(f"POST /releases with {len(readers)} streams open", latency)
    if delivery:
        report(f"POST answered -> event read on all {len(readers)} streams", delivery)


async def bench(base: str, streams: int, count: int) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(base, headers=AUTH, connector=connector) as http:
        await posts(http, count, "base", [])
        started = time.perf_counter()
        responses = await asyncio.gather(*(http.get("/events") for _ in range(streams)))
        assert all(r.status == 200 for r in responses), {r.status for r in responses}
        print(f"connect: {streams} streams open in {time.perf_counter() - started:.2f} s", flush=True)
        readers = [Reader(r) for r in responses]
        try:
            await posts(http, count, "load", readers)
        finally:
            for reader in readers:
                reader.task.cancel()
                reader.response.close()
            await asyncio.gather(*(r.task for r in readers), return_exceptions=True)


async def main(streams: int, count: int, database: str) -> None:
    if database:
        await run(streams, count, database)
        return
    with tempfile.TemporaryDirectory(prefix="glbench-") as scratch:  # a read model of its own
        await run(streams, count, f"sqlite+aiosqlite:///{scratch}/greenlight.db")


async def run(streams: int, count: int, database_url: str) -> None:
    prefix = f"glbench.{uuid.uuid4().hex[:8]}."
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    port = free_port()
    env = {**os.environ, "AMQP_URL": url, "GREENLIGHT_EXCHANGE": prefix + "events",
           "GREENLIGHT_DEAD_LETTER_EXCHANGE": prefix + "dlx", "GREENLIGHT_DEAD_LETTER_QUEUE": prefix + "dead",
           "GREENLIGHT_LOG_STREAM": prefix + "log", "GREENLIGHT_QUEUE_PREFIX": prefix,
           "GREENLIGHT_API_PORT": str(port), "GREENLIGHT_API_DEV_TOKENS": "true", "GREENLIGHT_LOG_LEVEL": "WARNING",
           "GREENLIGHT_DATABASE_URL": database_url, "GREENLIGHT_API_SSE_MAX_STREAMS": str(streams + 10),
           "GREENLIGHT_API_SSE_MAX_STREAMS_PER_IDENTITY": str(streams + 10)}
    # --stalls: the API under bench/loop_stalls.py, which prints what held its loop busy beyond 30 ms.
    server = await asyncio.create_subprocess_exec(*module_command("services.approval"), env=env,
                                                  stdout=asyncio.subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(base) as probe, asyncio.timeout(60):
            while True:  # a benchmark may poll: the service is another process with no event to await
                try:
                    async with probe.get("/readyz") as ready:
                        if ready.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        await bench(base, streams, count)
        async with aiohttp.ClientSession(base) as probe, probe.get("/metrics") as metrics:
            # The API's own view of POST /releases (both phases): tells its latency from this process's.
            for line in (await metrics.text()).splitlines():
                if line.startswith("greenlight_http_request_seconds_bucket") and 'method="POST"' in line \
                        and "/releases" in line and "tickets" not in line:
                    print("server-side", line)
    finally:
        server.terminate()
        await server.wait()
        await drop_topology(BusSettings(amqp_url=url, exchange=prefix + "events",  # type: ignore[arg-type]
                                        dead_letter_exchange=prefix + "dlx", dead_letter_queue=prefix + "dead",
                                        log_stream=prefix + "log", queue_prefix=prefix))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--database", default="", help="GREENLIGHT_DATABASE_URL (default: a new SQLite file)")
    parser.add_argument("--stalls", action="store_true", help="report what held the API's loop busy > 30 ms")
    parser.add_argument("--server-gc", default="", help="GREENLIGHT_GC_THRESHOLD for the API (default: its own)")
    args = parser.parse_args()
    # This process holds the N client streams too: its own full collections (~100 ms with 2,000 streams)
    # would be counted as the API's latency. The API's collector is the one measured (--server-gc).
    gc.set_threshold(50_000, 10, 10)
    gc.freeze()
    if args.stalls:
        os.environ[STALLS] = "1"
    if args.server_gc:
        os.environ["GREENLIGHT_GC_THRESHOLD"] = args.server_gc
    asyncio.run(main(args.streams, args.posts, args.database))
