"""GET /apps/{app} reports replicas ready/desired per colour as the platform (the Kubernetes adapter on
the fake API server) has them now, without a release event; null when the API does not read the platform
or the platform does not answer in time. The OpenAPI document describes the field."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus, Rollout
from services.shared.release import Colour
from tests.approval.conftest import REQUESTER, api_client
from tests.fake_k8s.fixtures import KubeTarget, kube, kube_platform  # noqa: F401 - fixture
from tests.fake_k8s.scenario import APP, app_ref, make_live
from tests.harness import SHA

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def reading(settings: ApprovalSettings, kube: KubeTarget) -> AsyncIterator[Client]:  # noqa: F811
    quick = settings.model_copy(update={"colour_facts_timeout": 1.0})
    # A platform that retries a failing API server for about 15 s (GREENLIGHT_KUBE_RETRIES): with the default
    # single attempt a 503 comes back at once, and a silent platform would be answered in time without the
    # API's own read timeout.
    async with kube.platform(retries=10) as platform, api_client(quick, platform=platform) as client:
        yield client


async def colours(client: Client) -> Any:
    response = await client.get(f"/apps/{APP}", headers=REQUESTER)
    assert response.status == 200, await response.text()
    return (await response.json())["colours"]


async def test_replicas_per_colour_come_from_the_platform(reading: Client, kube_platform: KubePlatform,  # noqa: F811
                                                          kube: KubeTarget) -> None:  # noqa: F811
    assert await colours(reading) == {}  # nothing runs yet: no colour exists
    await make_live(kube_platform, kube, Colour.BLUE, "r1", kube.images[0], replicas=2)
    assert await colours(reading) == {"blue": {"ready": 2, "desired": 2}}

    # A standby that can never become ready: 0 of 2, read straight from the cluster, no event involved.
    await kube_platform.deploy(app_ref(kube), Colour.GREEN, Rollout("r2", SHA, kube.bad_image), 2)
    await kube_platform.mark(app_ref(kube), Colour.GREEN, "r2", ColourStatus.AWAITING_APPROVAL)
    assert await colours(reading) == {"blue": {"ready": 2, "desired": 2}, "green": {"ready": 0, "desired": 2}}

    await kube_platform.scale(app_ref(kube), Colour.BLUE, 0)
    assert (await colours(reading))["blue"]["desired"] == 0


async def test_a_silent_platform_leaves_colours_out_in_time(reading: Client, kube: KubeTarget) -> None:  # noqa: F811
    fake = kube.need_fake()
    fake.unavailable_for(30)
    started = time.monotonic()
    assert await colours(reading) is None
    assert time.monotonic() - started < 5  # the 1 s read timeout, not the platform's retries
    fake.hooks.unavailable_until = 0.0  # back, for the fixture's clean-up
    assert await colours(reading) == {}


async def test_off_by_default_and_described(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client:
        assert await colours(client) is None
        document = await (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    field = schemas["AppStatus"]["properties"]["colours"]
    assert "replicas ready/desired per colour" in field["description"]
    assert set(schemas["ColourReplicas"]["required"]) == {"ready", "desired"}
