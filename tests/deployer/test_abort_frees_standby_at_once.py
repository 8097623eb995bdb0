"""An abort while the standby is still rolling out frees it at once: the readiness wait stops, the colour is
marked released and scaled to zero within seconds, not after the rollout timeout (5 min here) nor the
switcher's scale-down delay; nothing more is published for the release. The replica rolling it out does so
itself when it learns of the abort from its endings queue alone, even if the abort's `failed` never reaches its
work queue (another replica takes it, later or never)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from services.deployer.app import create_app
from services.deployer.settings import DeployerSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, make_live, service, tap, until_replicas
from tests.harness import running

pytestmark = pytest.mark.cluster
ROLLOUT = 300.0  # what the deployer would otherwise wait for a standby that never becomes ready


@contextlib.asynccontextmanager
async def rolling_out(bus_settings: BusSettings, kube: KubeTarget,
                      ) -> AsyncIterator[tuple[Any, Any, web.Application, ReleaseEvent]]:
    """r1 live on blue, r2 rolling out on green, never to become ready: (platform, events, app, r2's deploying)."""
    settings = DeployerSettings(bus=bus_settings, kube=kube.settings(progress_deadline=int(ROLLOUT)),
                                rollout_timeout=ROLLOUT)
    async with kube.platform() as platform, tap(bus_settings, kube.patience) as events, \
            running(create_app(settings)) as app:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.bad_image))
        deploying = (await events.wait("r2", S.DEPLOYING))[0]
        await until_replicas(platform, kube, Colour.GREEN, 2)
        yield platform, events, app, deploying


async def test_abort_during_rollout_scales_the_standby_down_at_once(bus_settings: BusSettings,
                                                                     kube: KubeTarget) -> None:
    async with rolling_out(bus_settings, kube) as (platform, events, app, deploying):
        aborted = deploying.next(S.FAILED, actor="ann", details={"aborted_by": "ann", "reason": "wrong commit"},
                                 error=ReleaseError(step="abort", reason="aborted by ann: wrong commit"))
        started = time.monotonic()
        await app[BUS].publish(aborted)
        green = await until_replicas(platform, kube, Colour.GREEN, 0)
        took = time.monotonic() - started

        assert took < 10, took
        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "blue"
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 2
    # Only the abort ended it: the deployer published no `failed` or `awaiting_approval` of its own after it.
    assert events.of("r2") == [(S.PUSHED, 5), (S.DEPLOYING, 6), (S.FAILED, 7)], events.of("r2")


async def test_abort_known_only_from_the_endings_queue_frees_the_standby(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    async with rolling_out(bus_settings, kube) as (platform, events, app, deploying):
        app[BUS].ended.add(deploying.next(S.FAILED, actor="ann",
                                          error=ReleaseError(step="abort", reason="aborted by ann")))
        green = await until_replicas(platform, kube, Colour.GREEN, 0)

        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 2
    assert events.of("r2") == [(S.PUSHED, 5), (S.DEPLOYING, 6)]  # the deployer announced no outcome of its own
