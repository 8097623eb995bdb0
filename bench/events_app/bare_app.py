"""The ceiling: aiohttp handlers that return fixed bodies (the bytes events_app serves).

Usage: python bench/events_app/bare_app.py PORT HTML_FILE JSON_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web


def make_app(html: bytes, payload: bytes) -> web.Application:
    async def index(request: web.Request) -> web.Response:
        return web.Response(body=html, content_type="text/html", charset="utf-8")

    async def events(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/api/events", events)
    return app


if __name__ == "__main__":
    port, html_file, json_file = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    app = make_app(html_file.read_bytes(), json_file.read_bytes())
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)
