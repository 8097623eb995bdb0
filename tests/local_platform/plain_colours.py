"""Colours without containers: plain HTTP servers on free ports, an app attached to the tests' HAProxy by its Router.

For what HAProxy itself does with a slot's servers (states, checks) in well under a second a test.
"""

from __future__ import annotations

from aiohttp import web

from services.shared.local.marks import AppRecord
from services.shared.local.routing import Router
from services.shared.release import Colour
from tests.ports import free_ports

WAIT = 1.0  # HAProxy checks every 200 ms in the tests: a second is five checks


async def _ready(_: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def ready_server(port: int) -> web.AppRunner:
    """A colour that answers its readiness path; `cleanup()` stops it."""
    app = web.Application()
    app.router.add_get("/readyz", _ready)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def attached(router: Router, app: str, preferred: int | None) -> AppRecord:
    """`app` routed by HAProxy (in `preferred` when free), its colours on a free pair of ports."""
    slot, _ = await router.attach(app, preferred)
    blue = free_ports(2)
    record = AppRecord(app=app, slot=slot, ports={Colour.BLUE: blue, Colour.GREEN: blue + 1})
    await router.configure(record, slot, restore=True)
    await router.activate(app, slot)
    return record
