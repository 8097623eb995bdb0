"""Each rollout's ReplicaSet takes the next revision, and the Deployment shows it (`deployment.kubernetes.io/revision`).

getNewReplicaSet gives the current template's ReplicaSet the others' MaxRevision plus one (SetNewReplicaSetAnnotations)
and copies it onto the Deployment (SetDeploymentRevision): a template used before takes the next revision too (its
ReplicaSet reused, as `kubectl rollout undo` does), and a change that keeps the template keeps the revision. The fake
wrote no revision at all.
"""

from __future__ import annotations

import pytest

from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment
from tests.harness import SHA

pytestmark = pytest.mark.cluster
REVISION = "deployment.kubernetes.io/revision"


async def test_a_reused_template_takes_the_next_revision_and_a_kept_one_keeps_it(kube: KubeTarget) -> None:
    seen: list[str | None] = []
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        # r2 goes back to r0's template (its ReplicaSet kept: revisionHistoryLimit 3); r3 keeps r2's.
        for rid, image in (("r0", kube.images[0]), ("r1", kube.images[1]), ("r2", kube.images[0]),
                           ("r3", kube.images[0])):
            await platform.deploy(app, Colour.BLUE, Rollout(rid, SHA, image), 2)
            await platform.wait_ready(app, Colour.BLUE, rid, kube.patience)
            seen.append((await deployment(platform, kube, Colour.BLUE))["metadata"]["annotations"].get(REVISION))

    assert seen == ["1", "2", "3", "3"]
