"""An app's place in HAProxy (its slot, ports and health-check paths), kept in step with its state file.

The state file is the memory: a slot assignment lost by a HAProxy restart is restored from it, on
the next call that needs the slot, with the app's live and preview pointers.
"""

from __future__ import annotations

import structlog

from services.shared.local.containers import Containers
from services.shared.local.marks import AppRecord, MarkStore
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
    def __init__(self, marks: MarkStore, router: Router, settings: LocalSettings) -> None:
        self.marks = marks
        self.router = router
        self.settings = settings

    async def attach(self, app: str, readiness_path: str) -> AppRecord:
        """Idempotent: the app's record (created if new) with a slot HAProxy routes to it."""
        async with self.marks.edit(app) as draft:
            record = draft.record or AppRecord(app=app)
            slot, fresh = await self.router.attach(app, record.slot)
            record.slot, record.readiness_path = slot, readiness_path
            # Ports stay those first given: after a restart into another slot the containers still use them.
            record.ports = record.ports or {c: self.settings.port_of(app, slot, c) for c in Colour}
            draft.record = record
        await self.router.configure(record, slot, restore=fresh)
        return record

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
            slot = await self.router.slot_of(app)
            if slot is not None:
                await self.router.detach(app, slot)
            for colour in Colour:
                await containers.remove(self.settings.container_name(app, colour))
            draft.record = None
