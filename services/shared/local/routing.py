"""HAProxy plays the Service: per app a slot with a live and a preview backend, switched at run time.

A slot is claimed for an app in HAProxy's hosts map; which colour takes its traffic is `traffic.py`'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import structlog

from services.shared.local.marks import AppRecord, file_lock
from services.shared.local.traffic import Role, Traffic
from services.shared.platform import NotReady, PlatformError
from services.shared.release import Colour

DEFAULT_KEY = "_default"
CLAIMED = "claimed-"  # a hosts map value: the slot held for an app whose routing is still being set
__all__ = ["CLAIMED", "DEFAULT_KEY", "Role", "Router"]

log = structlog.get_logger(__name__)


def _slot(value: str) -> int | None:
    number = value.removeprefix(CLAIMED)
    return int(number) if number.isdigit() else None


class Router(Traffic):
    """Which app a slot serves (the hosts map), its servers' addresses and health-check paths."""

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

    async def configure(self, record: AppRecord, slot: int, *, restore: bool,
                        idle: Collection[Colour] = ()) -> None:
        """Addresses and health-check paths of the slot's servers; after a (re)attach, its pointers too, each put
        in traffic once HAProxy's own check of its colour passed, as a switch is (`idle`: colours nothing runs on)."""
        for colour in Colour:
            await self.set_check(slot, colour, record.readiness_path_of(colour))
        for role in Role:
            for colour, port in record.ports.items():
                await self.proxy.set_address(self.backend(role, slot), colour.value, "127.0.0.1", port)
        if restore:
            pointers = [(Role.LIVE, record.live.colour if record.live else None), (Role.PREVIEW, record.preview)]
            # Both at once: after a reboot each waits for a container just started.
            outcomes = await asyncio.gather(*(self._restore(record, role, slot, colour, idle)
                                              for role, colour in pointers if colour is not None),
                                            return_exceptions=True)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
        if record.app == self.settings.default_app:
            await self.proxy.map_put(self.settings.hosts_map, DEFAULT_KEY, str(slot))

    async def _restore(self, record: AppRecord, role: Role, slot: int, colour: Colour,
                       idle: Collection[Colour]) -> None:
        mark = record.colours.get(colour)
        runs = mark is not None and mark.replicas > 0 and colour not in idle
        try:
            await self.point(role, slot, colour, wait_healthy=self.settings.switch_timeout if runs else 0)
        except NotReady as exc:
            # Pointed all the same, as the record says: HAProxy sends it requests once a check passes (a container slow
            # to start after a reboot). Left unrouted, the app would answer 503 until the platform's next call for it.
            log.warning("pointer restored before a health check of its colour passed; HAProxy serves it once one does",
                        app=record.app, role=role.value, colour=colour.value, error=str(exc))
            await self.point(role, slot, colour, wait_healthy=0)

    async def detach(self, app: str, slot: int) -> None:
        for role in Role:
            for colour in Colour:
                await self.proxy.set_state(self.backend(role, slot), colour.value, "maint")
        if await self.proxy.map_get(self.settings.hosts_map, DEFAULT_KEY) == str(slot):
            await self.proxy.map_delete(self.settings.hosts_map, DEFAULT_KEY)
        for colour in Colour:
            await self.proxy.map_delete(self.settings.checks_map, self.check_key(slot, colour))
        await self.proxy.map_delete(self.settings.hosts_map, self.settings.host_of(app))
