"""An app whose re-attach to HAProxy stopped midway (the admin socket failed, or the process was killed) is attached
again on the next call, live traffic restored.

The re-attach claimed the app's slot in the hosts map first, then set the servers' ports, health-check paths and the
live and preview pointers. Stopped in between, the next call found the app routed (its hosts map entry) and restored
nothing: its live traffic met servers in maintenance, 503, until the next HAProxy restart.
"""

from __future__ import annotations

import pytest

from services.shared.appspec import AppSpec
from services.shared.local import LocalSettings
from services.shared.local.haproxy import Proxy
from services.shared.local.marks import LivePointer
from services.shared.local.routing import Role
from services.shared.platform import AppRef, PlatformUnavailable
from services.shared.release import Colour
from tests.local_platform.fixtures import local_platform


class SocketFailsAtAddresses:
    """HAProxy's admin socket, failing the first `set server … addr` (the step after the slot is claimed)."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy, self.failed = proxy, False

    async def set_address(self, backend: str, server: str, addr: str, port: int) -> None:
        if not self.failed:
            self.failed = True
            raise PlatformUnavailable("HAProxy's admin socket does not answer", dependency="HAProxy runtime API")
        await self.proxy.set_address(backend, server, addr, port)

    def __getattr__(self, name: str) -> object:
        return getattr(self.proxy, name)


async def test_an_app_half_attached_when_haproxy_failed_is_attached_again(
        local_settings: LocalSettings, test_id: str) -> None:
    app = AppRef(f"lp-{test_id}", AppSpec(replicas=1))
    async with local_platform(local_settings, app.name) as platform:
        await platform.ensure_app(app)
        async with platform.marks.edit(app.name) as draft:
            assert draft.record is not None
            draft.record.live = LivePointer(colour=Colour.GREEN, release_id="r1")
        slot = await platform.router.slot_of(app.name)
        assert slot is not None
        await platform.router.point(Role.LIVE, slot, Colour.GREEN, wait_healthy=0)
        await platform.router.detach(app.name, slot)  # HAProxy restarted: it routes the app no more

        real = platform.router.proxy
        platform.router.proxy = SocketFailsAtAddresses(real)  # type: ignore[assignment]
        with pytest.raises(PlatformUnavailable):
            await platform.read(app)  # the re-attach stops midway
        platform.router.proxy = real
        state = await platform.read(app)  # the next call
        slot = await platform.router.slot_of(app.name)
        assert slot is not None
        servers = await real.servers(platform.router.backend(Role.LIVE, slot))
        record = await platform.marks.load(app.name)

    assert state.live is Colour.GREEN and state.live_release == "r1"
    assert record is not None and servers["green"].serving and servers["green"].port == record.ports[Colour.GREEN]
