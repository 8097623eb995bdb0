"""HAProxy plays the Service: per app a slot with a live and a preview backend, switched at run time.

A colour serves when its server is in admin state `ready`; a colour taken out of traffic is put in
`drain`, so requests in flight finish and health checks keep running (a later switch back knows at
once whether it is healthy). A server never used yet stays in maintenance.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum

from services.shared.local.haproxy import Proxy
from services.shared.local.marks import AppRecord, file_lock
from services.shared.local.settings import LocalSettings
from services.shared.platform import NotReady, PlatformError
from services.shared.release import Colour

DEFAULT_KEY = "_default"
CLAIMED = "claimed-"  # a hosts map value: the slot held for an app whose routing is still being set


def _slot(value: str) -> int | None:
    number = value.removeprefix(CLAIMED)
    return int(number) if number.isdigit() else None


class Role(StrEnum):
    LIVE = "live"
    PREVIEW = "preview"


class Router:
    def __init__(self, proxy: Proxy, settings: LocalSettings) -> None:
        self.proxy = proxy
        self.settings = settings

    @staticmethod
    def backend(role: Role, slot: int) -> str:
        return f"{role.value}_{slot}"

    @staticmethod
    def check_key(slot: int, colour: Colour) -> str:
        """The checks map's key for a colour's health-check path (haproxy_conf builds it from the slot
        and the server's name), so each colour is checked on the path of the release it runs."""
        return f"{slot}/{colour.value}"

    async def set_check(self, slot: int, colour: Colour, path: str) -> None:
        await self.proxy.map_put(self.settings.checks_map, self.check_key(slot, colour), path)

    async def slot_of(self, app: str) -> int | None:
        """The slot HAProxy routes `app` to; None for one not attached, or claimed and not configured yet."""
        value = await self.proxy.map_get(self.settings.hosts_map, self.settings.host_of(app))
        return int(value) if value is not None and value.isdigit() else None

    async def claimed(self, app: str) -> int | None:
        """The slot held for `app`, routed or still being configured."""
        value = await self.proxy.map_get(self.settings.hosts_map, self.settings.host_of(app))
        return _slot(value) if value is not None else None

    async def attach(self, app: str, preferred: int | None) -> tuple[int, bool]:
        """The app's slot, claimed if HAProxy does not route it (new app, or HAProxy restarted); the flag says
        whether its routing must be set (restored), then `activate`d: a claim left by an attach that stopped midway
        (the admin socket failed, the process was killed) is resumed, not taken for a routed app."""
        async with file_lock(self.settings.haproxy_dir / "slots.lock"):
            value = await self.proxy.map_get(self.settings.hosts_map, self.settings.host_of(app))
            if value is not None and (slot := _slot(value)) is not None:
                return slot, not value.isdigit()
            taken = {s for v in await self.proxy.map_values(self.settings.hosts_map) if (s := _slot(v)) is not None}
            free = [s for s in range(self.settings.slots) if s not in taken]
            if not free:
                raise PlatformError(f"all {self.settings.slots} HAProxy app slots are taken: raise "
                                    "GREENLIGHT_LOCAL_SLOTS and rerun scripts/infra/haproxy.sh")
            slot = preferred if preferred in free else free[0]
            # Claimed now, under the lock, by a value no backend is named after: the app's requests get no_app's 503
            # until `activate` (after its servers' addresses and pointers are set), as they do once it is routed.
            await self.proxy.map_put(self.settings.hosts_map, self.settings.host_of(app), f"{CLAIMED}{slot}")
            return slot, True

    async def activate(self, app: str, slot: int) -> None:
        await self.proxy.map_put(self.settings.hosts_map, self.settings.host_of(app), str(slot))

    async def configure(self, record: AppRecord, slot: int, *, restore: bool) -> None:
        """Addresses and health-check paths of the slot's servers; after a (re)attach, its pointers too."""
        for colour in Colour:
            await self.set_check(slot, colour, record.readiness_path_of(colour))
        for role in Role:
            for colour, port in record.ports.items():
                await self.proxy.set_address(self.backend(role, slot), colour.value, "127.0.0.1", port)
        if restore:
            pointers: list[tuple[Role, Colour | None]] = [
                (Role.LIVE, record.live.colour if record.live else None), (Role.PREVIEW, record.preview)]
            for role, pointed in pointers:
                if pointed is not None:
                    await self.point(role, slot, pointed, wait_healthy=0)
        if record.app == self.settings.default_app:
            await self.proxy.map_put(self.settings.hosts_map, DEFAULT_KEY, str(slot))

    async def detach(self, app: str, slot: int) -> None:
        for role in Role:
            for colour in Colour:
                await self.proxy.set_state(self.backend(role, slot), colour.value, "maint")
        if await self.proxy.map_get(self.settings.hosts_map, DEFAULT_KEY) == str(slot):
            await self.proxy.map_delete(self.settings.hosts_map, DEFAULT_KEY)
        for colour in Colour:
            await self.proxy.map_delete(self.settings.checks_map, self.check_key(slot, colour))
        await self.proxy.map_delete(self.settings.hosts_map, self.settings.host_of(app))

    async def serving(self, role: Role, slot: int, tie_break: Colour | None = None) -> Colour | None:
        """The colour taking new requests; mid-switch both may: then `tie_break` if it is one of them."""
        servers = await self.proxy.servers(self.backend(role, slot))
        ready = [c for c in Colour if (s := servers.get(c.value)) is not None and s.serving]
        if len(ready) == 1:
            return ready[0]
        return tie_break if tie_break in ready else None

    async def point(self, role: Role, slot: int, to: Colour, *, wait_healthy: float) -> None:
        """Send new requests to `to`, then drain the other colour. With `wait_healthy`, `to` must first
        pass HAProxy's own health check, so no request meets a server HAProxy would refuse."""
        backend = self.backend(role, slot)
        servers = await self.proxy.servers(backend)
        if wait_healthy > 0:
            if servers[to.value].maint:
                await self.proxy.set_state(backend, to.value, "drain")  # checks start, no traffic yet
            await self.until_up(backend, to, wait_healthy)
        elif not servers[to.value].maint and not servers[to.value].checked_up:
            # Down by checks of what ran there before (a colour scaled to zero, then redeployed): HAProxy
            # would refuse it until its next check passes. The caller has just seen it ready, so restart
            # from maintenance, which HAProxy leaves as up, as it does for a colour used the first time.
            await self.proxy.set_state(backend, to.value, "maint")
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

    async def until_up(self, backend: str, colour: Colour, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not (await self.proxy.servers(backend))[colour.value].checked_up:
            if asyncio.get_running_loop().time() > deadline:
                raise NotReady(f"HAProxy's health check of {backend}/{colour} did not pass within {timeout:g}s")
            await asyncio.sleep(0.05)
