"""Before the switcher publishes an event another service acts on, what it published earlier is in the read model.

The analysis service answers `verifying` with `rolling_back` within milliseconds, and the switcher's rollback reads
the previous release, which the same switch had just marked `superseded`: recorded only at the end of the switch,
it was still `live` there, and the rollback was refused ("cannot go live again"; an e2e test caught it). Here the
projector is held, so the switcher's own records are the only way the read model learns of the switch."""

from __future__ import annotations

import pytest

from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.harness import HeldFold
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


async def test_the_superseded_release_is_recorded_before_live_is_published(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        database, bus = app[DATABASE], app[BUS]
        fold = HeldFold(database)
        seen: dict[S, S | None] = {}
        publish = bus.publish

        async def spy(event: ReleaseEvent) -> None:
            if event.release_id == "r2" and event.state is S.LIVE:  # the notifier acts on `live`
                previous = await database.get("r1")
                seen[event.state] = previous.state if previous else None
            await publish(event)

        bus.publish = spy  # type: ignore[method-assign]
        try:
            await bus.publish(approved)
            await events.wait("r2", S.LIVE)
        finally:
            fold.release.set()
        assert seen == {S.LIVE: S.SUPERSEDED}
