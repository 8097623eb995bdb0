"""The Platform interface on one machine: colours are containers, HAProxy is the Service.

Where each piece of truth lives:
- which colour takes live / preview traffic: HAProxy's server admin states (its runtime API), so a
  colour switched by hand is seen, and refused, like a Service edited behind Greenlight's back;
- the marks and the live pointer's release id: the app's state file (marks.py), written under its
  lock. The switch writes its intent there before it flips HAProxy, so a crash in between leaves
  HAProxy on the expected colour and the retried switch finishes the job;
- which slot serves the app: HAProxy's hosts map. After a HAProxy restart the map is empty and any
  call re-attaches the app from its state file, restoring its live and preview pointers (the
  containers a reboot stopped started first, `revival.py`).
"""

from __future__ import annotations

import structlog

from services.shared.local.apps import Attachments, existing
from services.shared.local.colours import ColourRunner
from services.shared.local.live_switch import LiveSwitch
from services.shared.local.marks import LOCK_TIMEOUT, AppRecord, ColourMark, MarkStore
from services.shared.local.revival import Revival
from services.shared.local.routing import Role, Router
from services.shared.local.settings import LocalSettings
from services.shared.platform import (
    AppRef,
    AppState,
    ColourBusy,
    ColourState,
    ColourStatus,
    PlatformError,
    Rollout,
)
from services.shared.release import Colour

log = structlog.get_logger(__name__)


class LocalPlatform:
    def __init__(self, settings: LocalSettings, router: Router, runner: ColourRunner) -> None:
        self.settings = settings
        self.router = router
        self.runner = runner
        self.marks: MarkStore = runner.marks
        self.apps = Attachments(self.marks, router, settings, Revival(runner.containers, self.marks, settings))
        self.live_switch = LiveSwitch(self.marks, router, self.apps, settings)

    async def read(self, app: AppRef) -> AppState:
        record = await self.marks.load(app.name)
        if record is None:
            return AppState(app=app.name, exists=False, live=None, live_release=None, preview=None)
        slot = await self.apps.slot(record)
        live = await self.router.serving(Role.LIVE, slot, record.live.colour if record.live else None)
        preview = await self.router.serving(Role.PREVIEW, slot, record.preview)
        colours = {colour: await self.runner.state(app, colour, mark, record.ports[colour],
                                                   record.readiness_path_of(colour))
                   for colour, mark in record.colours.items()}
        return AppState(app=app.name, exists=True, live=live, live_release=_release_on(record, live),
                        preview=preview, colours=colours)

    async def ensure_app(self, app: AppRef) -> AppState:
        await self.apps.attach(app.name, app.spec.readiness_path)
        return await self.read(app)

    async def deploy(self, app: AppRef, colour: Colour, rollout: Rollout, replicas: int) -> None:
        record = await self.marks.load(app.name) or await self.apps.attach(app.name, app.spec.readiness_path)
        slot = await self.apps.slot(record)
        async with self.marks.edit(app.name) as draft:
            record = existing(draft.record, app.name)
            if await self.router.serving(Role.LIVE, slot, record.live.colour if record.live else None) is colour:
                raise ColourBusy(colour, None, f"{colour} is live; the deployer never touches it")
            current = record.colours.get(colour)
            if current is not None and current.release_id != rollout.release_id and \
                    current.status is ColourStatus.AWAITING_APPROVAL:
                raise ColourBusy(colour, current.release_id,
                                 f"standby owned by release {current.release_id} awaiting approval")
            if current is None or (current.release_id, current.image, current.replicas) != \
                    (rollout.release_id, rollout.image, replicas):
                record.colours[colour] = ColourMark(release_id=rollout.release_id, commit=rollout.commit,
                                                    image=rollout.image, status=ColourStatus.DEPLOYING,
                                                    replicas=replicas, readiness_path=app.spec.readiness_path)
        await self._converge(app, colour, rollout.release_id, slot)
        log.info("deployed", app=app.name, colour=colour.value, release=rollout.release_id, image=rollout.image)

    async def wait_ready(self, app: AppRef, colour: Colour, release_id: str, timeout: float) -> ColourState:
        return await self.runner.wait_ready(app, colour, release_id, timeout)

    async def set_preview(self, app: AppRef, colour: Colour) -> str:
        record = existing(await self.marks.load(app.name), app.name)
        slot = await self.apps.slot(record)
        # As a switch: HAProxy's own check of the colour, run from now on, passes before the preview sends it anything.
        # A standby staged at zero replicas (live scaled to zero by hand) has nothing to wait for until it is scaled up.
        mark = record.colours.get(colour)
        wait = self.settings.switch_timeout if mark is not None and mark.replicas > 0 else 0
        await self.router.point(Role.PREVIEW, slot, colour, wait_healthy=wait)
        await self.router.warm(Role.LIVE, slot, colour)  # so a later switch finds it health-checked
        async with self.marks.edit(app.name) as draft:
            existing(draft.record, app.name).preview = colour
        return self.settings.preview_url(app.name)

    async def mark(self, app: AppRef, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        async with self.marks.edit(app.name) as draft:
            current = draft.record.colours.get(colour) if draft.record is not None else None
            if current is None or current.release_id != release_id:
                return False
            current.status = status
        return True

    async def switch(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        return await self.live_switch(app, expected, to, release_id)

    async def scale(self, app: AppRef, colour: Colour, replicas: int, *, if_release: str | None = None,
                    if_status: ColourStatus | None = None) -> bool:
        async with self.marks.edit(app.name) as draft:
            current = draft.record.colours.get(colour) if draft.record is not None else None
            if current is None:
                if if_release is not None or if_status is not None:
                    return False
                raise PlatformError(f"{colour} of {app.name} does not exist")
            if (if_release is not None and current.release_id != if_release) or \
                    (if_status is not None and current.status is not if_status):
                return False
            current.replicas = replicas
            release_id = current.release_id
        await self._converge(app, colour, release_id)
        return True

    async def forget(self, app: str) -> None:
        await self.apps.forget(app, self.runner.containers)

    async def _converge(self, app: AppRef, colour: Colour, release_id: str, slot: int | None = None) -> None:
        # One container change per colour at a time; the mark is re-read under that lock, so a
        # release that took the colour meanwhile is not overwritten by a stale caller. With `slot`
        # (a deploy), HAProxy checks the colour on its release's path from now on; the other colour's
        # path stays that of its own release.
        async with self.marks.colour_lock(app.name, colour, LOCK_TIMEOUT):
            record = existing(await self.marks.load(app.name), app.name)
            mark = record.colours.get(colour)
            if mark is not None and mark.release_id == release_id:
                if slot is not None:
                    await self.router.set_check(slot, colour, record.readiness_path_of(colour))
                await self.runner.converge(app, colour, mark, record.ports[colour])


def _release_on(record: AppRecord, live: Colour | None) -> str | None:
    """The release the last switch recorded for the colour HAProxy serves, if it recorded one."""
    for pointer in (record.live, record.previous_live):
        if pointer is not None and pointer.colour is live:
            return pointer.release_id
    return None
