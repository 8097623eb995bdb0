"""Bench upstream: answers {base}/events.json with the bundled sample after a fixed delay.

Usage: python bench/events_app/stub_upstream.py PORT DELAY_SECONDS
"""

from __future__ import annotations

import asyncio
import json
import sys

from aiohttp import web

from events_app.sample import load_sample


def make_app(delay: float) -> web.Application:
    body = json.dumps(load_sample()).encode()

    async def events(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)  # the latency of a real API round trip
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/discovery/v2/events.json", events)
    return app


if __name__ == "__main__":
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    web.run_app(make_app(delay), host="127.0.0.1", port=port, access_log=None, print=None)
