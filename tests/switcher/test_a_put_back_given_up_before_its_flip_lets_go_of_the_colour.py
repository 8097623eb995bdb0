"""A put-back given up between holding the previous colour and flipping to it lets go of that colour: the app's next
release deploys there.

The put-back of a failed release that serves live traffic holds the colour it flips back to (marked awaiting
approval for the previous release, the mark the platform's deploy refuses) across its retries, as a rollback does.
Given up (here: the Service's patch refused as unavailable until GREENLIGHT_SWITCHER_PUT_BACK_BUDGET is spent; or
each delivery dying at the flip until the delivery limit, as a SIGKILL there would), it used to leave the hold in
place for good: its give-up publishes nothing (a failed release has no next state), so every new release of the app
failed at deploy with "standby owned by release r1 awaiting approval". The give-up now leaves the switcher a marker
on which it lets go: in the app's partition, so with two switcher replicas the one that holds the app lets go.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus, PlatformUnavailable
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import Tap, app_ref, deployment, event, make_live, service
from tests.harness import dead_letters
from tests.replicas.stack import delete_partitions
from tests.switcher.running import logged, switcher
from tests.switcher.test_a_rollback_given_up_before_its_flip_lets_go_of_the_warm_colour import STATE, FlipAway

pytestmark = pytest.mark.cluster
PUT_BACK = timedelta(seconds=3)  # GREENLIGHT_SWITCHER_PUT_BACK_BUDGET


async def failed_while_serving(inner: KubePlatform, kube: KubeTarget, app: Any) -> None:
    """r1 on blue, retired by r2's switch; r2 live on green in the cluster, and failed (its switch's follow-up did
    not finish): what the put-back acts on."""
    await make_live(inner, kube, Colour.BLUE, "r1", kube.images[0])
    await logged(app, event("r1", S.LIVE, kube, image=kube.images[0], standby_colour=Colour.BLUE))
    await make_live(inner, kube, Colour.GREEN, "r2", kube.images[1])
    await inner.mark(app_ref(kube), Colour.BLUE, "r1", ColourStatus.RETIRED)
    await app[BUS].publish(event("r2", S.FAILED, kube, seq=10, image=kube.images[1], live_colour=Colour.BLUE,
                                 standby_colour=Colour.GREEN, previous_release="r1", approver="carol",
                                 error=ReleaseError(step="switch", reason="the cluster went away after the flip")))


async def let_go(clusters: list[FlipAway], timeout: float) -> None:
    """Until a replica marks blue retired for r1 as its latest mark, or `timeout` seconds."""
    async def one(cluster: FlipAway) -> None:
        async with cluster.marked:
            await cluster.marked.wait_for(lambda: cluster.marks[-1:] == [(Colour.BLUE, "r1", ColourStatus.RETIRED)])

    waiting = [asyncio.create_task(one(cluster)) for cluster in clusters]
    try:
        await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)


@pytest.fixture
async def bus(bus_settings: BusSettings, request: pytest.FixtureRequest) -> AsyncIterator[BusSettings]:
    """The test's bus: the switcher's queue in partitions for two replicas, or one queue for one."""
    if request.node.callspec.params["replicas"] == 1:
        yield bus_settings
        return
    partitioned = bus_settings.model_copy(update={"partitions": 4, "partition_check_interval": 0.5})
    yield partitioned
    await delete_partitions(partitioned)


@contextlib.asynccontextmanager
async def switchers(bus: BusSettings, kube: KubeTarget, fault: Exception, replicas: int,
                    ) -> AsyncIterator[tuple[list[FlipAway], Any, Tap]]:
    """`replicas` switchers, each with its own cluster double refusing the put-back's flip."""
    async with contextlib.AsyncExitStack() as stack:
        clusters, apps, taps = [], [], []
        for _ in range(replicas):
            cluster = FlipAway(await stack.enter_async_context(kube.platform()), fault)
            app, events = await stack.enter_async_context(switcher(
                bus, kube, platform=cluster, put_back_budget=PUT_BACK))  # type: ignore[arg-type]
            clusters.append(cluster)
            apps.append(app)
            taps.append(events)
        yield clusters, apps[0], taps[0]


@pytest.mark.parametrize("replicas", [1, 2], ids=["one-switcher", "two-switchers"])
@pytest.mark.parametrize("fault", [PlatformUnavailable("Kubernetes API 503 Service Unavailable (test)"),
                                   RuntimeError("the delivery dies at the flip (test)")],
                         ids=["retries-spent", "deliveries-spent"])
async def test_a_new_release_deploys_after_a_put_back_given_up_before_its_flip(bus: BusSettings, kube: KubeTarget,
                                                                               fault: Exception,
                                                                               replicas: int) -> None:
    async with kube.platform() as inner, switchers(bus, kube, fault, replicas) as (clusters, app, events), \
            deployer(bus, kube) as (deploying, _):
        await failed_while_serving(inner, kube, app)
        await dead_letters(bus, 1, timeout=30)  # past the put-back budget or the delivery limit
        marks = [mark for cluster in clusters for mark in cluster.marks]
        assert (Colour.BLUE, "r1", ColourStatus.AWAITING_APPROVAL) in marks, "blue was never held"
        assert (await service(inner, kube))["spec"]["selector"]["role"] == "green"  # the put-back never flipped
        # Bounded: a switcher that never lets go is shown by the deploy below, as a person saw it.
        await let_go(clusters, timeout=15)
        blue = await deployment(inner, kube, Colour.BLUE)

        await deploying[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2], previous_release="r2"))
        r3 = (await events.wait("r3", S.AWAITING_APPROVAL, S.FAILED))[0].release
    assert (r3.state, r3.standby_colour) == (S.AWAITING_APPROVAL, Colour.BLUE), \
        f"r3 {r3.state.value}: {r3.error}; blue was left {blue['metadata']['annotations'][STATE]}"
