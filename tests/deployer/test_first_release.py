"""The first release of an app creates its Services and blue Deployment and waits for approval."""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.platform import KubePlatform
from services.shared.kube.templates import MANAGED_BY
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import SECRET, KubeTarget
from tests.fake_k8s.scenario import APP, SPEC, deployment, event, service
from tests.harness import SHA

pytestmark = pytest.mark.cluster


async def test_first_release_goes_to_blue_with_services_created(bus_settings: BusSettings,
                                                               kube: KubeTarget) -> None:
    async with deployer(bus_settings, kube) as (app, events), kube.platform() as platform:
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0]))
        staged = (await events.wait("r1", S.AWAITING_APPROVAL))[0].release

        assert (staged.live_colour, staged.standby_colour, staged.previous_release) == (None, Colour.BLUE, None)
        assert staged.preview == f"http://{APP}-preview.{kube.namespace}.svc/"
        assert events.of("r1") == [(S.PUSHED, 5), (S.DEPLOYING, 6), (S.AWAITING_APPROVAL, 7)]
        await _assert_objects(platform, kube)


async def _assert_objects(platform: KubePlatform, kube: KubeTarget) -> None:
    live, preview = await service(platform, kube), await service(platform, kube, f"{APP}-preview")
    assert live["spec"]["selector"] == {"app": APP, "role": "none"}  # no colour live before approval
    assert preview["spec"]["selector"] == {"app": APP, "role": "blue", **MANAGED_BY}
    assert live["spec"]["ports"][0]["targetPort"] == "http"  # the pods' named port, whatever its number

    blue = await deployment(platform, kube, Colour.BLUE)
    assert blue["metadata"]["labels"]["app"] == APP and blue["metadata"]["labels"]["role"] == "blue"
    # Greenlight's own: the controller adds deployment.kubernetes.io/revision beside them.
    assert {k: v for k, v in blue["metadata"]["annotations"].items() if k.startswith("greenlight.dev/")} == {
        "greenlight.dev/release-id": "r1", "greenlight.dev/commit": SHA,
        "greenlight.dev/state": "awaiting-approval",
    }
    assert blue["spec"]["replicas"] == 2
    assert blue["spec"]["progressDeadlineSeconds"] == kube.progress_deadline
    pod = blue["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = pod["containers"][0]
    assert container["image"] == kube.images[0]
    assert container["ports"][0]["containerPort"] == 8080
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": "http"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"name": "MODE", "value": "test"} in container["env"]
    assert {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "token"}}} in container["env"]
    assert await platform.api.get(Kind.DEPLOYMENT, kube.namespace, f"{APP}-green") is None


async def test_a_spec_without_namespace_uses_the_configured_one(bus_settings: BusSettings,
                                                                kube: KubeTarget) -> None:
    assert SPEC.namespace is None
    async with deployer(bus_settings, kube) as (app, events), kube.platform() as platform:
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0], spec=SPEC))
        staged = (await events.wait("r1", S.AWAITING_APPROVAL))[0].release

        assert staged.preview == f"http://{APP}-preview.{kube.namespace}.svc/"
        assert (await deployment(platform, kube, Colour.BLUE))["metadata"]["namespace"] == kube.namespace
