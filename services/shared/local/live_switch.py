"""The live pointer moved from one colour to the other: the intent written to the app's state file first, then HAProxy.

A crash between the two leaves HAProxy on the expected colour and the intent recorded, so the retried switch finishes
the job; a colour HAProxy never saw healthy takes the intent back with it.
"""

from __future__ import annotations

import structlog

from services.shared.local.apps import Attachments, existing
from services.shared.local.marks import AppRecord, LivePointer, MarkStore
from services.shared.local.routing import Role, Router
from services.shared.local.settings import LocalSettings
from services.shared.platform import AppRef, LiveChanged, NotReady
from services.shared.release import Colour

log = structlog.get_logger("services.shared.local.platform")  # the name its "switched" lines have always had


class LiveSwitch:
    def __init__(self, marks: MarkStore, router: Router, apps: Attachments, settings: LocalSettings) -> None:
        self.marks = marks
        self.router = router
        self.apps = apps
        self.settings = settings

    async def __call__(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        intent = LivePointer(colour=to, release_id=release_id)
        slot = await self.apps.slot(existing(await self.marks.load(app.name), app.name))
        async with self.marks.lock(app.name):
            record = existing(await self.marks.load(app.name), app.name)
            live = await self.router.serving(Role.LIVE, slot, record.live.colour if record.live else None)
            if live is to and record.live == intent:
                # A repeat; if the first attempt died between its two HAProxy writes, finish the drain.
                await self.router.drain_other(Role.LIVE, slot, to)
                return False
            if live is not expected:
                raise LiveChanged(expected, live)
            if record.live != intent:
                if record.live is not None and record.live.colour is live:
                    record.previous_live = record.live
                record.live = intent
                await self.marks.save(record)
            try:
                await self.router.point(Role.LIVE, slot, to, wait_healthy=self.settings.switch_timeout)
            except NotReady:
                # HAProxy's check of `to` never passed, so no request went there: the intent goes too, or the re-attach
                # after a HAProxy restart would put live traffic on the colour that failed (stopped by its teardown).
                await self._withdraw(record, live)
                raise
            back = await self.router.serving(Role.LIVE, slot, to)
            if back is not to:
                raise LiveChanged(to, back)
        log.info("switched", app=app.name, live=to.value, release=release_id, previous=expected)
        return True

    async def _withdraw(self, record: AppRecord, live: Colour | None) -> None:
        """The live pointer back on the colour HAProxy still serves; the caller holds the app's lock."""
        if record.previous_live is not None and record.previous_live.colour is live:
            record.live = record.previous_live
        elif live is None:
            record.live = None
        else:
            return  # no pointer of ours for what serves (put live by hand): the intent is all there is to restore
        await self.marks.save(record)
