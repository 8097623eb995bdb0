"""A health check already in flight when a switch forces its colour down does not bring that colour up.

A switch to a drained colour forces it down and waits for a check to pass (traffic.py). A check HAProxy sent before
the force (to the container the colour ran before) and answered after it counted as that pass: with `rise 1` its one
success brought the colour up, and the switch went live on a colour whose new container did not answer. Now a colour
needs two passes in a row (`rise 2`), and HAProxy runs a server's checks one at a time, so the second began after
the force. Run against the tests' real HAProxy; the colours are plain HTTP servers on free ports.
"""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from services.shared.local.haproxy import Health
from services.shared.local.routing import Role, Router
from services.shared.platform import NotReady
from services.shared.release import Colour
from services.shared.timeouts import bounded
from tests.local_platform.plain_colours import WAIT, attached, ready_server


class HeldCheck:
    """A colour whose next check is held until `release`, then passes; every check after it fails (503): the
    container the colour ran before answers the check in flight, the one replacing it is not ready."""

    def __init__(self) -> None:
        self.holding = False
        self.held, self.release = asyncio.Event(), asyncio.Event()

    async def readyz(self, _: web.Request) -> web.Response:
        if not self.holding:
            return web.Response(text="ok\n")
        if self.held.is_set():
            return web.Response(status=503, text="starting\n")
        self.held.set()
        await self.release.wait()
        return web.Response(text="ok\n")

    async def serve(self, port: int) -> web.AppRunner:
        app = web.Application()
        app.router.add_get("/readyz", self.readyz)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner


def forced_down(router: Router) -> asyncio.Event:
    """Set once the router has forced a colour down on HAProxy (the admin socket answered the command)."""
    done, set_health = asyncio.Event(), router.proxy.set_health

    async def spy(backend: str, server: str, health: Health) -> None:
        await set_health(backend, server, health)
        if health == "down":
            done.set()

    router.proxy.set_health = spy  # type: ignore[method-assign]
    return done


async def test_a_check_sent_before_the_force_does_not_let_the_switch_through(
        plain_router: Router, test_id: str) -> None:
    router = plain_router
    record = await attached(router, f"lp-{test_id}", None)
    assert record.slot is not None
    check = HeldCheck()
    blue, green = await ready_server(record.ports[Colour.BLUE]), await check.serve(record.ports[Colour.GREEN])
    backend = router.backend(Role.LIVE, record.slot)
    try:
        await router.point(Role.LIVE, record.slot, Colour.GREEN, wait_healthy=5)
        await router.point(Role.LIVE, record.slot, Colour.BLUE, wait_healthy=5)  # green drained, checked up
        await router.until_up(backend, Colour.GREEN, WAIT)  # awaited: a check in flight reads as no result yet
        check.holding, forced = True, forced_down(router)
        await bounded(check.held.wait(), 5)  # a check of green is in flight
        switch = asyncio.create_task(router.point(Role.LIVE, record.slot, Colour.GREEN, wait_healthy=WAIT))
        await bounded(forced.wait(), 1)
        assert not (await router.proxy.servers(backend))[Colour.GREEN.value].checked_up
        check.release.set()  # the check sent before the force passes now
        with pytest.raises(NotReady):
            await switch
        assert await router.serving(Role.LIVE, record.slot) is Colour.BLUE
    finally:
        check.release.set()
        await blue.cleanup()
        await green.cleanup()
