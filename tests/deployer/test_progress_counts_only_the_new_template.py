"""Rollout progress counts replicas of the release being deployed, not the old release's pods beside them.

A Deployment's `readyReplicas` and `availableReplicas` count the pods of every ReplicaSet: while a new template rolls
over a warm colour, the old release's pods are in them. The deployer reported `0/N` until the colour was ready (to
avoid reporting the old pods as the new), so a rollout over N old pods said nothing in between; it now reports the
new template's available replicas, as `kubectl rollout status` reads them off the same status.
"""

from __future__ import annotations

import pytest

from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import event, make_live, stage
from tests.progress_tap import ProgressTap

pytestmark = pytest.mark.cluster
WAVE = 2.0  # seconds the fake's new pods take to become available: several progress ticks (0.5 s) each


async def test_rollout_over_old_pods_reports_the_new_templates_replicas(bus_settings: BusSettings,
                                                                         kube: KubeTarget) -> None:
    async with kube.platform() as platform, ProgressTap(bus_settings) as progress, \
            deployer(bus_settings, kube) as (app, events):
        # blue still runs r0's two pods (retired, kept warm for a rollback); green serves r1
        await stage(platform, kube, Colour.BLUE, "r0", kube.images[0], ColourStatus.RETIRED)
        await make_live(platform, kube, Colour.GREEN, "r1", kube.images[1])
        if kube.fake:
            kube.fake.rollouts.delay = WAVE

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[2]))
        if kube.fake:  # one new pod available, one old pod still serving: half of the new template
            halfway = await progress.wait("r2", "deploy", lambda p: p.current == 1, timeout=kube.patience)
            assert halfway.message.startswith("blue: 1/2 replicas ready after "), halfway.message
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0]
        await progress.wait("r2", "deploy", lambda p: p.current == p.total, timeout=kube.patience)

    seen = progress.of("r2", "deploy")
    counts = [p.current or 0 for p in seen]
    # Never the old pods as new ones (2/2 at once): from nothing, up one by one, to all of them at the end.
    assert counts[0] == 0 and counts[-1] == 2 and counts == sorted(counts), counts
    assert all(p.at <= staged.occurred_at for p in seen)
