"""An app's place in HAProxy (its slot, ports and health-check paths), kept in step with its state file.

The state file is the memory: a slot assignment lost by a HAProxy restart is restored from it, on
the next call that needs the slot, with the app's live and preview pointers (and its containers a
reboot stopped started again).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import structlog

from services.shared.local.container_contract import Containers
from services.shared.local.marks import AppRecord, MarkStore, file_lock
from services.shared.local.revival import Revival
from services.shared.local.routing import Router
from services.shared.local.settings import LocalSettings
from services.shared.platform import PlatformError
from services.shared.release import Colour

log = structlog.get_logger(__name__)


def existing(record: AppRecord | None, app: str) -> AppRecord:
    if record is None:
        raise PlatformError(f"app {app} is not set up on the local platform (ensure_app first)")
    return record


class Attachments:
    def __init__(self, marks: MarkStore, router: Router, settings: LocalSettings,
                 revival: Revival | None = None) -> None:
        self.marks = marks
        self.router = router
        self.settings = settings
        self.revival = revival  # None: no engine to start containers with (routing alone)

    async def attach(self, app: str, readiness_path: str) -> AppRecord:
        """Idempotent: the app's record (created if new) with a slot HAProxy routes to it."""
        known = await self.marks.load(app)
        # Ports are handed out one app at a time (across processes), so two new apps never pick the same free pair.
        handing_out = known is None or not known.ports
        async with file_lock(self.marks.state_dir / ".ports.lock") if handing_out else contextlib.nullcontext():
            async with self.marks.edit(app) as draft:
                record = draft.record or AppRecord(app=app)
                slot, fresh = await self.router.attach(app, record.slot)
                record.slot, record.readiness_path = slot, readiness_path
                # Ports stay those first given: after a restart into another slot the containers still use them.
                record.ports = record.ports or await self._free_ports(app, slot)
                draft.record = record
        if fresh:
            # HAProxy restarted, the machine too perhaps: the containers stopped by a reboot start before the pointers
            # wait for HAProxy's checks of them, and outside the app's lock (engine calls).
            idle = await self.revival.start_stopped(app) if self.revival is not None else set()
            # Under the app's lock, from its record as it is now: a switch by another replica that found the claim
            # (it restores the slot itself) would otherwise be undone by pointers read before it.
            async with self.marks.lock(app):
                record = existing(await self.marks.load(app), app)
                await self.router.configure(record, slot, restore=True, idle=idle)
                await self.router.activate(app, slot)
        else:
            await self.router.configure(record, slot, restore=False)
        return record

    async def _free_ports(self, app: str, slot: int) -> dict[Colour, int]:
        """The slot's own pair unless another app holds one of them: after a HAProxy restart an app keeps the ports
        of its old slot until it re-attaches, and a new app given that slot must not probe or route to its containers
        (host network). Then the first free pair from GREENLIGHT_LOCAL_COLOUR_PORT_BASE. A pinned app keeps its pin."""
        taken = await asyncio.to_thread(self._ports_taken, app)
        if app in self.settings.app_ports:
            pinned = {c: self.settings.port_of(app, slot, c) for c in Colour}
            # Handed out before the pin was set: that app's containers listen there (host network).
            if clash := sorted(port for port in pinned.values() if port in taken):
                raise PlatformError(f"GREENLIGHT_LOCAL_APP_PORTS pins {app} on {pinned[Colour.BLUE]}-"
                                    f"{pinned[Colour.GREEN]}, but app {taken[clash[0]]} has port {clash[0]}: "
                                    "pin the app elsewhere")
            return pinned
        # The frontends too: past the slots' range the search would reach them when they sit above it.
        taken |= dict.fromkeys((self.settings.live_port, self.settings.preview_port), "frontend")
        base = self.settings.colour_port_base
        for blue in itertools.chain([base + 2 * slot], itertools.count(base, 2)):
            if blue + 1 > 65535:
                break
            if blue not in taken and blue + 1 not in taken:
                return {Colour.BLUE: blue, Colour.GREEN: blue + 1}
        raise PlatformError(f"no free pair of colour ports from {base} for app {app}")

    def _ports_taken(self, app: str) -> dict[int, str]:
        """Ports other apps' state files record, and those pinned for other apps, each with that app's name. Blocking
        file IO: in a thread."""
        taken = {port + i: other for other, port in self.settings.app_ports.items() if other != app for i in (0, 1)}
        for path in self.marks.state_dir.glob("*.json"):
            if path == self.marks.path(app):
                continue
            try:
                record = AppRecord.model_validate_json(path.read_bytes())
                taken.update(dict.fromkeys(record.ports.values(), record.app))
            except (OSError, ValueError):
                continue  # not an app's record (the secrets file), or removed meanwhile
        return taken

    async def slot(self, record: AppRecord) -> int:
        slot = await self.router.slot_of(record.app)
        if slot is not None:
            return slot
        log.info("re-attaching app to HAProxy (restarted, or never attached)", app=record.app)
        restored = await self.attach(record.app, record.readiness_path)
        assert restored.slot is not None
        return restored.slot

    async def forget(self, app: str, containers: Containers) -> None:
        """Remove an app entirely (containers, routing, state file): for tests and resets, not releases."""
        async with self.marks.edit(app) as draft:
            slot = await self.router.claimed(app)
            if slot is not None:
                await self.router.detach(app, slot)
            for colour in Colour:
                await containers.remove(self.settings.container_name(app, colour))
            draft.record = None
