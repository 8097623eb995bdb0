"""The Kubernetes API answers 503 for 20 s while the deployer watches the standby's rollout: the step is retried
from the broker and the release is staged once the API is back, one Deployment per colour; answering 503 for
longer than the budget, the release fails saying so."""

from __future__ import annotations

import asyncio

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, event, make_live
from tests.faults.conftest import OUTAGE_LONG, TOO_LITTLE


async def test_release_is_staged_after_the_api_answered_503_for_20s(fault_bus: BusSettings,
                                                                     kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, deployer(fault_bus, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.delay = 2.0  # the rollout is still under way when the API goes away
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await events.wait("r2", S.DEPLOYING)
        started = asyncio.get_running_loop().time()
        fake.unavailable_for(OUTAGE_LONG)
        events.patience = 90.0  # the outage, then the retries after it
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0]
        took = asyncio.get_running_loop().time() - started
        state = await platform.read(app_ref(kube))
    assert took >= OUTAGE_LONG
    assert staged.release.standby_colour is Colour.GREEN and staged.details["retries"] >= 3
    assert "Kubernetes API" in staged.details["last_retry_error"] or "503" in staged.details["last_retry_error"]
    assert not [e for e in events.events if e.state is S.FAILED]
    green = state.colour(Colour.GREEN)
    assert green is not None and green.release_id == "r2"
    print(f"Kubernetes API 503 for {OUTAGE_LONG:.0f} s: staged {took:.1f} s after, "
          f"{staged.details['retries']} retries")


async def test_release_fails_when_the_api_answers_503_past_the_budget(fault_bus: BusSettings,
                                                                       kube: KubeTarget) -> None:
    fake = kube.need_fake()
    bus = fault_bus.model_copy(update={"retry_budget": TOO_LITTLE})
    async with kube.platform() as platform, deployer(bus, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.delay = 2.0
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await events.wait("r2", S.DEPLOYING)
        fake.unavailable_for(600)
        events.patience = 60.0
        [failed] = await events.wait("r2", S.FAILED)
        fake.unavailable_for(0)  # back, so the namespace can be cleaned up
    assert failed.release.error is not None
    assert "platform unavailable" in failed.release.error.reason or "Kubernetes API unavailable" in \
        failed.release.error.reason
    assert "GREENLIGHT_RETRY_BUDGET=6s" in failed.release.error.reason
