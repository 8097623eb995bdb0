"""Which colour takes a slot's live or preview traffic: HAProxy's server admin states, set at run time.

A colour serves when its server is in admin state `ready`; a colour taken out of traffic is put in
`drain`, so requests in flight finish and health checks keep running (a later switch back knows at
once whether it is healthy). A server never used yet stays in maintenance.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum

from services.shared.local.haproxy import Proxy
from services.shared.local.settings import LocalSettings
from services.shared.platform import NotReady
from services.shared.release import Colour


class Role(StrEnum):
    LIVE = "live"
    PREVIEW = "preview"


class Traffic:
    def __init__(self, proxy: Proxy, settings: LocalSettings) -> None:
        self.proxy = proxy
        self.settings = settings

    @staticmethod
    def backend(role: Role, slot: int) -> str:
        return f"{role.value}_{slot}"

    async def serving(self, role: Role, slot: int, tie_break: Colour | None = None) -> Colour | None:
        """The colour taking new requests; mid-switch both may: then `tie_break` if it is one of them."""
        servers = await self.proxy.servers(self.backend(role, slot))
        ready = [c for c in Colour if (s := servers.get(c.value)) is not None and s.serving]
        if len(ready) == 1:
            return ready[0]
        return tie_break if tie_break in ready else None

    async def point(self, role: Role, slot: int, to: Colour, *, wait_healthy: float) -> None:
        """Send new requests to `to`, then drain the other colour. A colour not serving yet must first pass a health
        check HAProxy runs from now on: within `wait_healthy` seconds (else NotReady, nothing moved), so no request
        meets a server HAProxy would refuse. With 0 it is pointed at once (nothing runs there to wait for: scaled to
        zero, its container gone), and HAProxy sends it nothing until such a check passes."""
        backend = self.backend(role, slot)
        servers = await self.proxy.servers(backend)
        if not servers[to.value].serving:
            await self._checked_afresh(backend, to, out_of_maint=servers[to.value].maint)
        if wait_healthy > 0:
            await self.until_up(backend, to, wait_healthy)
        await self.proxy.set_state(backend, to.value, "ready")
        if servers[to.other.value].serving:
            await self.proxy.set_state(backend, to.other.value, "drain")

    async def drain_other(self, role: Role, slot: int, keep: Colour) -> None:
        """Drain the colour other than `keep` if it still takes requests; nothing is written otherwise."""
        backend = self.backend(role, slot)
        if (await self.proxy.servers(backend))[keep.other.value].serving:
            await self.proxy.set_state(backend, keep.other.value, "drain")

    async def warm(self, role: Role, slot: int, colour: Colour) -> None:
        """Start health-checking a colour that takes no traffic yet (maintenance -> drain)."""
        backend = self.backend(role, slot)
        if (await self.proxy.servers(backend))[colour.value].maint:
            await self.proxy.set_state(backend, colour.value, "drain")

    async def _checked_afresh(self, backend: str, colour: Colour, *, out_of_maint: bool) -> None:
        """A colour taking no traffic (drained, or out of maintenance into drain: checks start, no traffic yet) counted
        down until a check run from now on passes. HAProxy keeps a server's last check result through maintenance and
        counts it up on leaving: in a slot a forgotten app left, the next app's colour showed that app's passed check,
        and a switch went live at once; a drained colour's last check may be of the container it ran before."""
        if out_of_maint:
            await self.proxy.set_state(backend, colour.value, "drain")
        await self.proxy.set_health(backend, colour.value, "down")

    async def until_up(self, backend: str, colour: Colour, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not (await self.proxy.servers(backend))[colour.value].checked_up:
            if asyncio.get_running_loop().time() > deadline:
                raise NotReady(f"HAProxy's health check of {backend}/{colour} did not pass within {timeout:g}s")
            await asyncio.sleep(0.05)
