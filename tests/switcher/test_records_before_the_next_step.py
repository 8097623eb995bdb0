"""Before the switcher publishes an event a service acts on and answers back, what it published earlier is in the
read model; before an event only the notifier acts on, nothing waits for a record.

The analysis service answers `verifying` with `rolling_back` within milliseconds, and the switcher's rollback reads
the previous release, which the same switch had just marked `superseded`: recorded only at the end of the switch,
it was still `live` there, and the rollback was refused ("cannot go live again"; an e2e test caught it). Here the
projector is held, so the switcher's own records are the only way the read model learns of the switch.
`live` goes to the notifier alone, which reads nothing back: a record before it was a transaction on every
switch's critical path (the orchestration bench's approve -> live), so it is recorded after; a rollback asked for
the moment `live` is seen waits for that record rather than refuse (CI caught the refusal)."""

from __future__ import annotations

import asyncio

import pytest

from services.shared.analysis_spec import AnalysisSpec
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.harness import HeldFold
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster
POST_CHECK = {"post": [{"name": "health", "interval": 1, "count": 3, "success": "<= 0.05", "failure": ">= 0.1",
                        "http": {"path": "/check", "jsonpath": "$.error_rate", "timeout": 2}}]}


def with_post_checks(approved: ReleaseEvent) -> ReleaseEvent:
    assert approved.release.spec is not None
    spec = approved.release.spec.model_copy(update={"analysis": AnalysisSpec.model_validate(POST_CHECK)})
    return approved.model_copy(update={"release": approved.release.model_copy(update={"spec": spec})})


async def previous_state_when_published(bus_settings: BusSettings, kube: KubeTarget, state: S,
                                        post_checks: bool) -> S | None:
    """r1's state in the read model at the moment the switcher publishes r2's `state`."""
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        if post_checks:
            approved = with_post_checks(approved)
        database, bus = app[DATABASE], app[BUS]
        fold = HeldFold(database)
        seen: dict[S, S | None] = {}
        publish = bus.publish

        async def spy(event: ReleaseEvent) -> None:
            if event.release_id == "r2" and event.state is state:
                previous = await database.get("r1")
                seen[state] = previous.state if previous else None
            await publish(event)

        bus.publish = spy  # type: ignore[method-assign]
        try:
            await bus.publish(approved)
            await events.wait("r2", state)
        finally:
            fold.release.set()
        assert state in seen
        return seen[state]


async def test_the_superseded_release_is_recorded_before_verifying_is_published(bus_settings: BusSettings,
                                                                               kube: KubeTarget) -> None:
    assert await previous_state_when_published(bus_settings, kube, S.VERIFYING, post_checks=True) is S.SUPERSEDED


async def test_live_is_published_without_waiting_for_a_record(bus_settings: BusSettings, kube: KubeTarget) -> None:
    assert await previous_state_when_published(bus_settings, kube, S.LIVE, post_checks=False) is S.LIVE


async def test_a_rollback_asked_for_as_live_is_seen_waits_for_the_switch_to_be_recorded(
        bus_settings: BusSettings, kube: KubeTarget) -> None:
    """`superseded` and `live` are recorded after `live` is published: a rollback that comes before that record finds
    the previous release still `live` in the read model, and waits for the record instead of refusing."""
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        database, bus = app[DATABASE], app[BUS]
        fold = HeldFold(database)
        recorded = asyncio.Event()
        record_all, get = database.record_all, database.get
        reads: list[S | None] = []
        looked_again = asyncio.Event()  # the switch's own read of r1, the rollback's, and the rollback's next look

        async def held_record(published: list[ReleaseEvent]) -> None:
            if any(e.state is S.SUPERSEDED for e in published):
                await recorded.wait()
            await record_all(published)

        async def counted_get(release_id: str) -> Release | None:
            release = await get(release_id)
            if release_id == "r1":
                reads.append(release.state if release else None)
                if reads.count(S.LIVE) >= 3:
                    looked_again.set()
            return release

        database.record_all = held_record  # type: ignore[method-assign]
        database.get = counted_get  # type: ignore[method-assign]
        try:
            await bus.publish(approved)
            live = (await events.wait("r2", S.LIVE))[0]
            await bus.publish(live.next(S.ROLLING_BACK, actor="ann"))
            await asyncio.wait_for(looked_again.wait(), 20)
            recorded.set()
            await events.wait("r2", S.ROLLED_BACK)
        finally:
            recorded.set()
            fold.release.set()
        assert [e.details.get("rollback_refused") for e in await events.wait("r2", S.LIVE)] == [None]
