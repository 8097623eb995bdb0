"""A release whose greenlight.yaml changes `port` is reached on its new port, through the preview and, once
switched, the live Service.

The Services were created with the first release's port as a number in `targetPort` and never written again (the
deployer only creates them when missing; a switch changes the selector alone). r2 moving from 8080 to 9090 was
staged behind a preview that sent reviewers to port 8080 of r2's pods, where nothing listens, and after the switch
every live request went there too: an outage the readiness probe (on the pod's own named port) never saw. Both
Services now target the container's named port `http`, which every colour's pods carry whatever their number, and
Services created by an older Greenlight with a number are moved to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.platform import AppRef
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, SPEC, deployment, event, make_live, service

pytestmark = pytest.mark.cluster


def reached_port(svc: dict[str, Any], pods: dict[str, Any]) -> int | None:
    """The container port the Service's traffic lands on in the Deployment's pods, as kube-proxy resolves it."""
    target = svc["spec"]["ports"][0]["targetPort"]
    ports = [p for c in pods["spec"]["template"]["spec"]["containers"] for p in c.get("ports") or []]
    if isinstance(target, str):
        return next((p["containerPort"] for p in ports if p.get("name") == target), None)
    return target if any(p["containerPort"] == target for p in ports) else None


async def test_a_new_port_is_reached_through_preview_and_live(bus_settings: BusSettings, kube: KubeTarget) -> None:
    moved = SPEC.model_copy(update={"namespace": kube.namespace, "port": 9090})
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])  # port 8080
        await app[BUS].publish(event("r2", S.PUSHED, kube, spec=moved, image=kube.images[1]))
        await events.wait("r2", S.AWAITING_APPROVAL)
        green = await deployment(platform, kube, Colour.GREEN)
        blue = await deployment(platform, kube, Colour.BLUE)

        assert reached_port(await service(platform, kube, f"{APP}-preview"), green) == 9090
        assert reached_port(await service(platform, kube), blue) == 8080  # live r1 still served as before
        await platform.switch(AppRef(APP, moved), Colour.BLUE, Colour.GREEN, "r2")  # what the switcher does
        assert reached_port(await service(platform, kube), green) == 9090


async def test_services_made_with_a_port_number_are_moved_to_the_named_port(bus_settings: BusSettings,
                                                                           kube: KubeTarget) -> None:
    moved = SPEC.model_copy(update={"namespace": kube.namespace, "port": 9090})
    async with kube.platform() as platform:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        for name in (f"{APP}-service", f"{APP}-preview"):  # as an older Greenlight created them: a number
            await platform.api.patch(Kind.SERVICE, kube.namespace, name,
                                     {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}})
        async with deployer(bus_settings, kube) as (app, events):
            await app[BUS].publish(event("r2", S.PUSHED, kube, spec=moved, image=kube.images[1]))
            await events.wait("r2", S.AWAITING_APPROVAL)
        green = await deployment(platform, kube, Colour.GREEN)
        assert reached_port(await service(platform, kube, f"{APP}-preview"), green) == 9090
        assert reached_port(await service(platform, kube), await deployment(platform, kube, Colour.BLUE)) == 8080
        await platform.switch(AppRef(APP, moved), Colour.BLUE, Colour.GREEN, "r2")
        assert reached_port(await service(platform, kube), green) == 9090
