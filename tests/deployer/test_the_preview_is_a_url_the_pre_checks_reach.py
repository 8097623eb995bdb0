"""On Kubernetes the deployer published the preview as `<app>-preview.<namespace>.svc`, a host with no scheme, and the
analysis service takes `release.preview` as the URL of a pre-promotion http check (`services/analysis/handlers.py`,
`_target`: `on_target(preview, path)`). `demo-preview.ns.svc/check` is no absolute URL: aiohttp refuses it before
any connection (`InvalidUrlClientError`), so every measurement of every http pre check of an app on Kubernetes was
`failed` ("request failed: InvalidUrlClientError") and the release failed at step analysis, whatever its preview
answered. The preview a staged release carries must be a URL that reaches the preview Service (port 80).
"""

from __future__ import annotations

import socket
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from services.analysis.http_probe import HttpProbe
from services.analysis.probes import Target
from services.shared.analysis_spec import AnalysisSpec
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, SPEC, event

pytestmark = pytest.mark.cluster
CHECK = {"name": "health", "interval": 0.05, "count": 1, "failure": ">= 0.1",
         "http": {"path": "/check", "jsonpath": "$.error_rate", "timeout": 2}}


class Asked(AbstractResolver):
    """Records the host and port a request would connect to, and resolves nothing (no cluster DNS here)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append((host, port))
        raise OSError(f"{host} is not resolved in this test")

    async def close(self) -> None:
        return None


async def test_the_preview_of_a_staged_release_is_a_url_its_pre_checks_can_request(
        bus_settings: BusSettings, kube: KubeTarget) -> None:
    analysis = AnalysisSpec.model_validate({"pre": [CHECK]})
    spec = SPEC.model_copy(update={"namespace": kube.namespace, "analysis": analysis})
    async with deployer(bus_settings, kube) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0], spec=spec))
        staged = (await events.wait("r1", S.ANALYSING))[0].release
    assert staged.preview is not None
    check = analysis.pre[0]

    resolver = Asked()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session:
        measurement = await HttpProbe(session).measure(
            check, Target(url=staged.preview, app=APP, colour="blue", release="r1"))

    shown: dict[str, Any] = measurement.detail()
    # The probe went as far as asking for the preview Service's address (the cluster's DNS would answer there).
    assert resolver.asked == [(f"{APP}-preview.{kube.namespace}.svc", 80)], (staged.preview, shown.get("why"))
