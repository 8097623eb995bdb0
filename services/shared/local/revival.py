"""After the machine (or the engine) restarted: the containers an app's marks say run, started again.

A reboot stops every container, and nothing started the app's again: HAProxy, restarted, was pointed at colours with
nothing listening. The engine's own restart policy does not fit. podman has no daemon to apply one at boot: its
`podman-restart.service` is a systemd unit (none runs here), for `--restart=always` only; and on Docker (or podman's
conmon) `always`/`unless-stopped` would also restart a release's crashing container, hiding the crash the readiness
wait reports. A container that is gone is named, never made again: that takes the release's spec (env, secrets), which
the state file does not keep, so it is a deploy's to do.
"""

from __future__ import annotations

import contextlib

import structlog

from services.shared.local.colours import runs_mark
from services.shared.local.container_contract import Containers
from services.shared.local.marks import MarkStore
from services.shared.local.settings import LocalSettings
from services.shared.platform import ColourStatus, PlatformError, PlatformUnavailable
from services.shared.release import Colour

BUSY_WAIT = 5.0  # seconds a colour's lock is waited for; held longer, another process is changing it (a deploy's pull)

log = structlog.get_logger(__name__)


class Revival:
    def __init__(self, containers: Containers, marks: MarkStore, settings: LocalSettings) -> None:
        self.containers = containers
        self.marks = marks
        self.settings = settings

    async def start_stopped(self, app: str) -> set[Colour]:
        """Each colour whose mark wants replicas (live, warm standby, preview) gets its stopped container started.
        Returns the colours with nothing of their release to run: a pointer restored there has nothing to wait for."""
        record = await self.marks.load(app)
        idle: set[Colour] = set()
        for colour in record.colours if record is not None else ():
            async with contextlib.AsyncExitStack() as stack:
                try:
                    await stack.enter_async_context(self.marks.colour_lock(app, colour, BUSY_WAIT))
                except PlatformUnavailable:
                    log.info("colour being changed by another process: its container left to it", app=app,
                             colour=colour.value)
                    continue
                try:
                    if await self._started_unless_missing(app, colour):
                        idle.add(colour)
                except PlatformError as exc:  # the engine away or refusing: HAProxy's checks still tell what runs
                    log.warning("could not start a colour's container again", app=app, colour=colour.value,
                                error=str(exc))
        return idle

    async def _started_unless_missing(self, app: str, colour: Colour) -> bool:
        """Under the colour's lock, from its mark as it is now; True when the release's container is not there."""
        record = await self.marks.load(app)
        mark = record.colours.get(colour) if record is not None else None
        if mark is None or mark.replicas == 0 or mark.status is ColourStatus.RELEASED:
            return False  # not meant to run (scaled to zero, or freed): nothing to start, nothing said
        name = self.settings.container_name(app, colour)
        info = await self.containers.inspect(name)
        if info is None:
            log.warning("container gone: not made again (that takes a deploy); nothing serves on this colour until one",
                        app=app, colour=colour.value, container=name, release=mark.release_id)
            return True
        if not runs_mark(info, mark):
            return True  # another release's container: a deploy under way replaces it
        if not info.running:
            await self.containers.start(name)
            log.info("container started again", app=app, colour=colour.value, container=name,
                     release=mark.release_id)
        return False
