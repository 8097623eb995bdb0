"""A Deployment of the colour's name that Greenlight did not make is refused, never rewritten.

An app named like something already in the namespace (a team's own `demo-blue`) had its first release deploy over
it: the deploy found the Deployment, saw no release holding it and patched in the release's pod template, replicas
and strategy, replacing another team's pods. Greenlight makes its objects labelled `app.kubernetes.io/managed-by:
greenlight` (and the bootstrap manifests of `k8s/apps/` carry it): a Deployment without it fails the release with a
reason that names it, and is left as it was (as Helm refuses to adopt an object without its ownership labels).
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.platform import PlatformError, Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment
from tests.harness import SHA

pytestmark = pytest.mark.cluster


def someone_elses(kube: KubeTarget) -> dict[str, object]:
    labels = {"app": APP, "role": "blue"}  # even the labels Greenlight's pods would carry
    container = {"name": "theirs", "image": kube.images[0], "ports": [{"name": "http", "containerPort": 8080}]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"{APP}-blue", "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}}


async def test_a_deployment_without_greenlights_label_is_refused(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        await platform.api.create(Kind.DEPLOYMENT, kube.namespace, someone_elses(kube))
        before = await deployment(platform, kube, Colour.BLUE)
        await platform.ensure_app(app_ref(kube))
        with pytest.raises(PlatformError, match="not Greenlight's") as refused:
            await platform.deploy(app_ref(kube), Colour.BLUE, Rollout("r1", SHA, kube.images[1]), 2)
        after = await deployment(platform, kube, Colour.BLUE)

    assert f"{APP}-blue" in str(refused.value) and "app.kubernetes.io/managed-by" in str(refused.value)
    # Its controller writes its status meanwhile; the spec and the metadata are as they were.
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert after["spec"] == before["spec"] and not (after["metadata"].get("annotations") or {}).keys() & {
        "greenlight.dev/release-id", "greenlight.dev/state"}
