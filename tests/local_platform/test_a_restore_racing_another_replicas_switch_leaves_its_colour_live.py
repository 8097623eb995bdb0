"""Two switcher replicas on one host, HAProxy just restarted: one re-attaches the app while the other switches it.

The re-attach restored the live pointer it had read before taking any lock, outside the app's lock: a switch by the
other replica that ran meanwhile (it finds the claim and restores the slot itself) was undone by the late restore,
which put the old colour back in traffic beside the new one, so live requests went to both releases while the app's
state file said the new one was live. Run against the tests' real HAProxy; the colours are plain HTTP servers.
"""

from __future__ import annotations

import asyncio
import contextlib

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings, open_local_platform
from services.shared.local.haproxy import AdminState, Proxy
from services.shared.local.marks import LivePointer
from services.shared.local.routing import Role
from services.shared.platform import AppRef
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform
from tests.local_platform.plain_colours import WAIT, ready_server


class PausesAtRestore:
    """HAProxy's admin socket, holding the first write that puts a live server in traffic until `resume` (at most
    WAIT seconds: with the app's lock held there the other replica cannot get on, and must not)."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy, self.paused, self.resume = proxy, asyncio.Event(), asyncio.Event()

    async def set_state(self, backend: str, server: str, state: AdminState) -> None:
        if state == "ready" and backend.startswith("live_") and not self.paused.is_set():
            self.paused.set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WAIT):
                    await self.resume.wait()
        await self.proxy.set_state(backend, server, state)

    def __getattr__(self, name: str) -> object:
        return getattr(self.proxy, name)


async def test_a_late_restore_does_not_undo_another_replicas_switch(
        local_settings: LocalSettings, test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as one, open_local_platform(local_settings) as other:
        record = await one.apps.attach(app.name, app.spec.readiness_path)
        servers = [await ready_server(record.ports[colour]) for colour in Colour]
        try:
            async with one.marks.edit(app.name) as draft:
                assert draft.record is not None
                draft.record.live = LivePointer(colour=Colour.BLUE, release_id="r1")
            slot = await one.router.slot_of(app.name)
            assert slot is not None
            await one.router.point(Role.LIVE, slot, Colour.BLUE, wait_healthy=5)
            await one.router.detach(app.name, slot)  # HAProxy restarted: it routes the app no more

            pausing = PausesAtRestore(one.router.proxy)
            one.router.proxy = pausing  # type: ignore[assignment]
            restoring = asyncio.create_task(one.read(app))  # re-attaches, restoring live blue
            async with asyncio.timeout(5):
                await pausing.paused.wait()
            try:
                await other.switch(app, Colour.BLUE, Colour.GREEN, "r2")
            finally:
                pausing.resume.set()
            await restoring

            slot = await other.router.slot_of(app.name)
            assert slot is not None
            live = await other.router.serving(Role.LIVE, slot)
            both = {c for c, s in (await other.router.proxy.servers(f"live_{slot}")).items() if s.serving}
            assert live is Colour.GREEN, f"live traffic goes to {sorted(both)} after the switch to green"
            state = await other.marks.load(app.name)
            assert state is not None and state.live == LivePointer(colour=Colour.GREEN, release_id="r2")
        finally:
            for server in servers:
                await server.cleanup()
