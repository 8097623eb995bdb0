"""The durable read model against a long history, side by side with the in-memory fold it replaced.

    .venv/bin/python -m bench.history_bench [--releases 100000] [--databases sqlite,postgresql]

1. Fills a fresh stream with N releases over 500 apps (10 events each, requested → live, plus `superseded`
   for the release each one replaced: ~11 N events), published with pipelined confirms.
2. Baseline in the same run: a bare read of the whole stream (aio-pika, count and ack, nothing parsed).
3. Today's in-memory fold on the same data (the LogReader + ReleaseStore that main's API ran): time to
   caught up and RSS, in a process of its own (bench/history_memory.py).
4. Per database: `python -m services.approval` on an empty database: first projection (events/s, against the
   bare read), RSS; latency p50/p99 of GET /releases, GET /releases/{id}, GET /apps/{app}, POST /releases;
   then SIGTERM and a restart: time to /readyz 200 and RSS.
Goals (issue 12): restart ≤ 3 s, RSS ≤ 250 MB, projection ≥ 0.5x the bare read, list/detail p99 ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bench.history_fill import bare_read, drop, fill, pct, rss_mb
from bench.loop_stalls import ENV as STALLS
from bench.loop_stalls import module_command
from services.shared.settings import BusSettings

ROOT = Path(__file__).parents[1]
URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
PG_ADMIN = os.environ.get("GREENLIGHT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TOKEN = {"Authorization": "Bearer requester-token"}


def bus_env(bus: BusSettings) -> dict[str, str]:
    return {"AMQP_URL": URL, "GREENLIGHT_EXCHANGE": bus.exchange, "GREENLIGHT_LOG_STREAM": bus.log_stream,
            "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus.dead_letter_exchange,
            "GREENLIGHT_DEAD_LETTER_QUEUE": bus.dead_letter_queue, "GREENLIGHT_QUEUE_PREFIX": bus.queue_prefix}


async def memory_fold(bus: BusSettings) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.history_memory", cwd=ROOT, env={**os.environ, **bus_env(bus)},
        stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def start_api(bus: BusSettings, database: str, port: int) -> tuple[asyncio.subprocess.Process, float]:
    """The API process and the seconds it took to answer /readyz 200."""
    env = {**os.environ, **bus_env(bus), "GREENLIGHT_DATABASE_URL": database, "GREENLIGHT_API_PORT": str(port),
           "GREENLIGHT_API_DEV_TOKENS": "true", "GREENLIGHT_LOG_JSON": "true", "GREENLIGHT_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(*module_command("services.approval"), cwd=ROOT, env=env)
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return process, time.perf_counter() - started
            except aiohttp.ClientConnectionError:
                pass
            if process.returncode is not None:
                raise RuntimeError("the API exited during start-up")
            await asyncio.sleep(0.05)


async def latencies(api: str, releases: int, samples: int) -> dict[str, list[float]]:
    got: dict[str, list[float]] = {"list": [], "detail": [], "app": [], "post": []}
    async with aiohttp.ClientSession(api, headers=TOKEN) as http:
        for i in range(samples):
            for name, method, path, body in (
                    ("list", "GET", "/releases?limit=50", None),
                    ("detail", "GET", f"/releases/r{(i * 7919) % releases}", None),
                    ("app", "GET", f"/apps/app{i % 500}", None),
                    ("post", "POST", "/releases", {"app": f"bench{i}-{uuid.uuid4().hex[:6]}",
                                                   "repository": "https://example.org/x.git",
                                                   "commit": "a" * 40})):
                started = time.perf_counter()
                async with http.request(method, path, json=body) as response:
                    await response.read()
                    assert response.status in (200, 202), (path, response.status)
                got[name].append((time.perf_counter() - started) * 1000)
    return got


async def one_database(kind: str, bus: BusSettings, events: int, bare_rate: float, samples: int,
                       releases: int) -> None:
    name = f"glbench_{uuid.uuid4().hex[:8]}"
    scratch = tempfile.mkdtemp(prefix="glbench-history-")
    if kind == "postgresql":
        await (await asyncio.create_subprocess_exec("psql", PG_ADMIN, "-qc", f'CREATE DATABASE "{name}"')).wait()
        database = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    else:
        database = f"sqlite+aiosqlite:///{scratch}/greenlight.db"
    port = 18600 + (1 if kind == "postgresql" else 0)
    try:
        process, first = await start_api(bus, database, port)
        rate = events / first
        print(f"[{kind}] first projection: {events:,} events in {first:.1f} s = {rate:,.0f} events/s "
              f"({rate / bare_rate:.2f}x the bare read); RSS {rss_mb(process.pid):.0f} MB")
        for what, values in (await latencies(f"http://127.0.0.1:{port}", releases, samples)).items():
            print(f"[{kind}] {what:6}: p50 {pct(values, 50):6.2f} ms  p99 {pct(values, 99):6.2f} ms")
        process.terminate()
        await process.wait()
        process, again = await start_api(bus, database, port)
        print(f"[{kind}] restart to ready: {again:.2f} s; RSS {rss_mb(process.pid):.0f} MB")
        process.terminate()
        await process.wait()
    finally:
        if kind == "postgresql":
            await (await asyncio.create_subprocess_exec(
                "psql", PG_ADMIN, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')).wait()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--samples", type=int, default=300, help="requests per latency figure")
    parser.add_argument("--stalls", action="store_true", help="report what held the API's loop busy > 30 ms")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the in-memory fold (GBs of RSS)")
    args = parser.parse_args()
    if args.stalls:
        os.environ[STALLS] = "1"
    prefix = f"glbench.{uuid.uuid4().hex[:8]}."
    bus = BusSettings(amqp_url=URL, exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx",  # type: ignore[arg-type]
                      dead_letter_queue=f"{prefix}dead", log_stream=f"{prefix}log", queue_prefix=prefix)
    try:
        started = time.perf_counter()
        events = await fill(bus, args.releases)
        print(f"filled {args.releases:,} releases = {events:,} events in {time.perf_counter() - started:.0f} s")
        seconds = await bare_read(bus, events)
        bare_rate = events / seconds
        print(f"[baseline] bare stream read: {seconds:.1f} s = {bare_rate:,.0f} events/s")
        if not args.skip_memory:
            memory = await memory_fold(bus)
            print(f"[in-memory fold, main's API] caught up in {memory['seconds']:.1f} s "
                  f"({events / memory['seconds']:,.0f} events/s); RSS {memory['rss_mb']:.0f} MB")
        for kind in args.databases.split(","):
            await one_database(kind, bus, events, bare_rate, args.samples, args.releases)
    finally:
        await drop(bus)


if __name__ == "__main__":
    asyncio.run(main())
