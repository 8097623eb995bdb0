"""A ReplicaSet reused by a later revision takes that revision and keeps the ones it had in `revision-history`.

getNewReplicaSet (SetNewReplicaSetAnnotations): the current template's ReplicaSet takes the others' MaxRevision plus
one; one that had a revision already (a template used before, as `kubectl rollout undo` or a redeploy of an earlier
image makes) appends it to `deployment.kubernetes.io/revision-history`. Each is named after its Deployment and owned by
it. The fake served no ReplicaSets at all.
"""

from __future__ import annotations

import pytest
from kubernetes_asyncio import client

from services.shared.kube.client import connect
from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment
from tests.harness import SHA

pytestmark = pytest.mark.cluster
NOTE = "deployment.kubernetes.io/"


async def test_each_reuse_adds_the_earlier_revision_to_the_history(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        images = [kube.images[0], kube.images[1], kube.images[0], kube.images[1], kube.images[0]]
        for index, image in enumerate(images):  # revisions 1 to 5 over two templates (revisionHistoryLimit 3)
            await platform.deploy(app, Colour.BLUE, Rollout(f"r{index}", SHA, image), 2)
            await platform.wait_ready(app, Colour.BLUE, f"r{index}", kube.patience)
        owner = (await deployment(platform, kube, Colour.BLUE))["metadata"]
    api_client = await connect(kube.settings())
    try:
        listed = await client.AppsV1Api(api_client).list_namespaced_replica_set(
            kube.namespace, label_selector="app=demo,role=blue")
    finally:
        await api_client.close()

    by_image = {rs.spec.template.spec.containers[0].image: rs for rs in listed.items}
    assert set(by_image) == {kube.images[0], kube.images[1]}, list(by_image)
    first, second = by_image[kube.images[0]], by_image[kube.images[1]]
    assert (first.metadata.annotations[f"{NOTE}revision"], first.metadata.annotations[f"{NOTE}revision-history"]) \
        == ("5", "1,3"), first.metadata.annotations
    assert (second.metadata.annotations[f"{NOTE}revision"], second.metadata.annotations[f"{NOTE}revision-history"]) \
        == ("4", "2"), second.metadata.annotations
    for rs in listed.items:
        assert rs.metadata.name == f"{APP}-blue-{rs.metadata.labels['pod-template-hash']}"
        [reference] = rs.metadata.owner_references
        assert (reference.kind, reference.name, reference.uid, reference.controller) == \
            ("Deployment", f"{APP}-blue", owner["uid"], True)
    assert (first.spec.replicas, second.spec.replicas) == (2, 0)
