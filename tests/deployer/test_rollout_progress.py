"""The deployer reports replicas ready while it waits for the standby, as progress, not as state."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, event
from tests.progress_tap import ProgressTap

pytestmark = pytest.mark.cluster
ROLLOUT = 3.0  # the fake's 50 ms rollout ends before the first periodic report is due


async def test_replicas_ready_reported(bus_settings: BusSettings, kube: KubeTarget) -> None:
    if kube.fake:
        kube.fake.rollouts.delay = ROLLOUT
    async with ProgressTap(bus_settings) as progress, deployer(bus_settings, kube) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0]))
        staged = (await events.wait("r1", S.AWAITING_APPROVAL))[0]
        await progress.wait("r1", "deploy", lambda p: p.current == p.total)
    seen = progress.of("r1", "deploy")
    assert (seen[0].current, seen[0].total) == (0, 2) and seen[0].message == "blue: 0/2 replicas ready"
    assert (seen[-1].current, seen[-1].total) == (2, 2) and seen[-1].message.startswith("blue: 2/2 replicas ready")
    assert all(p.at <= staged.occurred_at for p in seen)
    if kube.fake:
        # The first and last reports are made around the wait; only reports in between, spread over it,
        # show the colour was looked at while the deployer waited.
        waiting = [p for p in seen[1:-1] if p.message.startswith("blue: 0/2 replicas ready after ")]
        assert waiting and (waiting[-1].at - seen[0].at).total_seconds() >= 1.0, seen
    assert set(progress.keys) == {f"progress.{APP}.deploy"}
    assert events.of("r1") == [(S.PUSHED, 5), (S.DEPLOYING, 6), (S.AWAITING_APPROVAL, 7)]
