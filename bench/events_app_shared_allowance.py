"""Two real `python -m events_app` processes against the stub API, without and with a shared Redis.

    .venv/bin/python bench/events_app_shared_allowance.py [seconds]

Each process gets the same visitors: the home page ten times a second and a new search every `every` visits.
Printed per run: upstream calls (home page / searches), the shortest span of six calls in a row (within
TICKETMASTER_MAX_RPS, 5/s, it is 1 s or more) and the searches sent upstream against the budget
(EVENTS_SEARCH_BUDGET per EVENTS_SEARCH_WINDOW, both processes together). Two scenarios: "budget" (a search
twice a second, budget 6 per 5 s) and "rate" (a search every visit, ten a second per process, the budget out of
the way: only the rate ceiling holds them back).
Not a test: it runs on the real clock for as long as it is told. The baseline is the same two processes without
Redis, measured in the same run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "events_app")]

from tm_stub import API_KEY, StubTicketmaster  # noqa: E402

from tests.ports import free_port  # noqa: E402

REDIS = os.environ.get("EVENTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SETTINGS = {"EVENTS_CACHE_TTL": "2", "EVENTS_PAGE_SIZE": "50", "TICKETMASTER_MAX_RPS": "5",
            "EVENTS_SEARCH_WINDOW": "5", "LOG_LEVEL": "WARNING"}


async def _visitors(session: aiohttp.ClientSession, port: int, until: float, tag: str, every: int) -> None:
    loop, n = asyncio.get_running_loop(), 0
    while loop.time() < until:
        await session.get(f"http://127.0.0.1:{port}/api/events")
        if n % every == 0:
            await session.get(f"http://127.0.0.1:{port}/api/events", params={"keyword": f"{tag}{n}"})
        n += 1
        await asyncio.sleep(0.1)


async def run(seconds: float, redis_url: str | None, every: int, budget: int) -> dict[str, Any]:
    stub = StubTicketmaster()
    await stub.start()
    prefix = f"measure:{uuid.uuid4().hex[:8]}:"
    env = os.environ | SETTINGS | {
        "EVENTS_SEARCH_BUDGET": str(budget), "TICKETMASTER_API_KEY": API_KEY, "TICKETMASTER_BASE_URL": stub.base_url,
        "EVENTS_REDIS_URL": redis_url or "", "EVENTS_REDIS_PREFIX": prefix,
    }
    ports = [free_port(), free_port()]
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-m", "events_app", cwd=REPO,
                                                  env=env | {"PORT": str(port), "HOST": "127.0.0.1"})
             for port in ports]
    try:
        async with aiohttp.ClientSession() as session:
            for port in ports:
                for _ in range(100):
                    try:
                        await session.get(f"http://127.0.0.1:{port}/healthz")
                        break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
            stub.calls.clear()
            start = asyncio.get_running_loop().time()
            await asyncio.gather(*(_visitors(session, port, start + seconds, f"p{port}-", every) for port in ports))
    finally:
        for proc in procs:
            proc.terminate()
            await proc.wait()
        await stub.close()
        client = Redis.from_url(REDIS)
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    times = sorted(call.at for call in stub.calls)
    # Spacing at exactly 1/rps puts rps + 1 calls in a closed second (t, t + 0.2, ..., t + 1.0): what tells 5/s from
    # more is the span of six consecutive calls, at least 1 s less the loopback jitter the rate tests allow (20 ms).
    span = min((b - a for a, b in zip(times, times[5:], strict=False)), default=None)
    searches = [call for call in stub.calls if "keyword" in call.params]
    windows = -(-seconds // float(SETTINGS["EVENTS_SEARCH_WINDOW"]))
    return {"redis": bool(redis_url), "every": every, "calls": len(stub.calls), "home": len(stub.calls) - len(searches),
            "searches": len(searches), "budget_in_all": int(windows * budget),
            "min_span_of_6_calls_s": None if span is None else round(span, 3)}


async def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    for scenario, every, budget in (("budget", 5, 6), ("rate", 1, 100_000)):
        alone = await run(seconds, None, every, budget)
        shared = await run(seconds, REDIS, every, budget)
        print(scenario, "alone ", alone, flush=True)
        print(scenario, "shared", shared, flush=True)
        print(f"{scenario}: upstream calls shared / alone {shared['calls'] / max(alone['calls'], 1):.2f}x, shortest "
              f"span of 6 calls {shared['min_span_of_6_calls_s'] / alone['min_span_of_6_calls_s']:.2f}x", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
