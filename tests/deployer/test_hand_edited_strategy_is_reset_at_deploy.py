"""A standby whose `spec.strategy` was edited by hand is rolled out with Greenlight's strategy, not the edit's.

The deploy made the pod template Greenlight's and resumed a paused rollout, but set the strategy at creation only: a
`Recreate`, or a `maxUnavailable: 100%`, stayed through every later deploy, and the standby's rollout took all the
old release's pods down before one new pod was available (the warm colour a rollback flips back to, and what the
preview shows, served nothing meanwhile). The deploy now resets it (a `rollingUpdate` left under Recreate is replaced
along with the type, as the API server takes no other pair), and no moment of the rollout has fewer pods available
than desired.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.watch import wait_for
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, deployment, event, make_live, stage

pytestmark = pytest.mark.cluster
GREENLIGHTS = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
EDITS = {
    "recreate": {"type": "Recreate"},
    "all unavailable": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "100%"}},
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
async def test_the_standby_rolls_out_with_greenlights_strategy(edit: dict[str, Any], bus_settings: BusSettings,
                                                               kube: KubeTarget) -> None:
    available: list[int] = []  # of each status of r2's generation the controller reported

    def record(obj: dict[str, Any] | None) -> None:
        status = (obj or {}).get("status") or {}
        if obj is not None and obj["metadata"]["annotations"].get("greenlight.dev/release-id") == "r2" and \
                int(status.get("observedGeneration", 0)) >= obj["metadata"]["generation"]:
            available.append(int(status.get("availableReplicas", 0)))

    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await stage(platform, kube, Colour.BLUE, "r0", kube.images[0], ColourStatus.RETIRED)  # two warm pods
        await make_live(platform, kube, Colour.GREEN, "r1", kube.images[1])
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue",
                                 [{"op": "replace", "path": "/spec/strategy", "value": edit}])
        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        try:
            await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[2]))
            outcome = (await events.wait("r2", S.AWAITING_APPROVAL, S.FAILED))[0]
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
        blue = await deployment(platform, kube, Colour.BLUE)

    assert outcome.state is S.AWAITING_APPROVAL, outcome.release.error
    assert blue["spec"]["strategy"] == GREENLIGHTS
    assert available and min(available) == 2, available  # the old pods served until the new ones were available
