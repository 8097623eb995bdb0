"""A rollout watch that meets an API server replica behind the version it asks for relists, as for 410 Gone.

Behind a load balancer, the list that gave the watch its resourceVersion can come from one API server and the watch
from another whose cache has not reached that version yet: after waiting a little it answers an ERROR event, 504
Timeout with a `ResourceVersionTooLarge` cause (client-go's reflector relists on it). The wait took it for an API
server away and gave the whole step back to the broker; it now lists again and watches from the fresh version.
"""

from __future__ import annotations

import pytest

from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, make_live
from tests.harness import SHA

pytestmark = pytest.mark.cluster


async def test_too_large_resource_version_relists(kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        app = app_ref(kube)
        fake.rollouts.delay = 0.5  # the first list must see the rollout unfinished, so a watch is needed
        await platform.deploy(app, Colour.GREEN, Rollout("r2", SHA, kube.images[1]), 2)
        fake.too_large_on_next_watch()

        ready = await platform.wait_ready(app, Colour.GREEN, "r2", kube.patience)

        assert ready.ready and ready.release_id == "r2"
        assert not fake.hooks.too_large_on_next_watch  # the lagging answer was served
        lists = [p for m, p, _ in fake.requests if m == "GET" and f"{APP}-green" in p and "watch=" not in p]
        assert len(lists) >= 2, lists  # the first list, then the relist after the 504

