"""The deployer's handler: a pushed release staged on the standby colour (staging.py), a rejected or failed one's
colour freed. Inside one process the app's events are handled one at a time, so a teardown and the next release's
deploy never interleave.

Ack policy: the shared AFTER_EFFECT (ack once the effect is done and every event is confirmed).
"""

from __future__ import annotations

from services.deployer.outcomes import SERVICE, colour_of, free_colour
from services.deployer.settings import DeployerSettings
from services.deployer.staging import StandbyStaging
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.locks import KeyedLocks
from services.shared.platform import AppRef, Platform
from services.shared.protocol import WORK_QUEUES, ReleaseState

STATES = WORK_QUEUES[SERVICE]


class Deployer(StandbyStaging):
    def __init__(self, platform: Platform, settings: DeployerSettings) -> None:
        super().__init__(platform, settings)
        self.locks = KeyedLocks()

    async def handle(self, event: ReleaseEvent, bus: Bus) -> None:
        # Per app, not per release: a duplicate delivered while the first is still deploying waits for
        # it, then finds the standby staged and writes nothing; and a rejected release's teardown is
        # never interleaved with the next release's deploy onto the same colour.
        async with self.locks.hold(event.app):
            if event.state is ReleaseState.PUSHED:
                await self.stage(event, bus)
            else:
                await self.free(event)

    async def free(self, event: ReleaseEvent) -> None:
        """rejected / failed: free the colour the release holds (mark `released`, scale to zero).

        Idempotent: both writes are conditional on the colour still running this release, so a
        redelivery, or a colour meanwhile taken by another release, changes nothing. The live
        colour is never scaled, whatever its annotations say.
        """
        release = event.release
        if release.image is None:
            return  # never got as far as the cluster
        app = AppRef.of(release)
        state = await self.platform.read(app)
        colour = colour_of(state, release.id)
        if colour is None or state.live is colour:
            return
        await free_colour(self.platform, app, colour, release.id, event.state.value)
