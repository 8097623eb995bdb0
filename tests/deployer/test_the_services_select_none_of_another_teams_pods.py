"""The live and preview Services select Greenlight's pods only, not another team's labelled `app`/`role` alike.

They selected by `app` and `role` alone: pods of another Deployment in the namespace carrying those two labels (a
team's own canary, a copy of the manifests) took a share of the app's live traffic. Greenlight's pods now carry its
`app.kubernetes.io/managed-by` label and the Services select by it too; a colour an earlier Greenlight deployed, whose
pods lack it, is still selected (a rollback to it cuts no traffic off) until its next deploy labels it.

A Service selects the pods whose labels hold every key of its selector (equality-based): checked here against the
pod templates, which is what a real cluster's endpoints follow.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.templates import MANAGED_BY
from services.shared.platform import ColourStatus
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment, make_live, service, stage

pytestmark = pytest.mark.cluster
FOREIGN = "another-teams-canary"


def selects(service_obj: dict[str, Any], deployment_obj: dict[str, Any]) -> bool:
    labels = deployment_obj["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(key) == value for key, value in service_obj["spec"]["selector"].items())


def foreign_deployment(namespace: str, image: str) -> dict[str, Any]:
    labels = {"app": APP, "role": "green"}  # the labels Greenlight's green pods carry, but not its own label
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": FOREIGN, "namespace": namespace, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "app", "image": image}]}}},
    }


async def test_another_teams_pods_get_no_traffic(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await stage(platform, kube, Colour.GREEN, "r2", kube.images[1], ColourStatus.AWAITING_APPROVAL)
        await platform.set_preview(app_ref(kube), Colour.GREEN)
        await platform.api.create(Kind.DEPLOYMENT, kube.namespace, foreign_deployment(kube.namespace, kube.images[0]))
        foreign = await platform.api.get(Kind.DEPLOYMENT, kube.namespace, FOREIGN)
        assert foreign is not None

        preview = await service(platform, kube, f"{APP}-preview")
        assert selects(preview, await deployment(platform, kube, Colour.GREEN))
        assert not selects(preview, foreign), preview["spec"]["selector"]

        assert await platform.switch(app_ref(kube), Colour.BLUE, Colour.GREEN, "r2")
        live = await service(platform, kube)
        assert selects(live, await deployment(platform, kube, Colour.GREEN))
        assert not selects(live, foreign), live["spec"]["selector"]


async def test_a_colour_an_earlier_greenlight_deployed_is_still_selected(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await stage(platform, kube, Colour.GREEN, "r2", kube.images[1], ColourStatus.AWAITING_APPROVAL)
        # Green as an earlier Greenlight left it: its pods without the label (the rollout of that template awaited)
        key = "app.kubernetes.io~1managed-by"
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-green",
                                 [{"op": "remove", "path": f"/spec/template/metadata/labels/{key}"}])
        await platform.wait_ready(app_ref(kube), Colour.GREEN, "r2", kube.patience)

        assert await platform.switch(app_ref(kube), Colour.BLUE, Colour.GREEN, "r2")
        live = await service(platform, kube)
        assert live["spec"]["selector"] == {"app": APP, "role": "green"}
        assert selects(live, await deployment(platform, kube, Colour.GREEN))

        # and back to blue, deployed by this Greenlight: selected by its label too
        assert await platform.switch(app_ref(kube), Colour.GREEN, Colour.BLUE, "r1")
        live = await service(platform, kube)
        assert live["spec"]["selector"] == {"app": APP, "role": "blue", **MANAGED_BY}
        assert selects(live, await deployment(platform, kube, Colour.BLUE))
