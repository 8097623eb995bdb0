"""A Kubernetes API answering 503 is not retried inside the call by default (issue 14: backoff on the broker,
never a sleep in a handler): one request, then `PlatformUnavailable` for the consumer to park the message.
`GREENLIGHT_KUBE_RETRIES` > 1 opts into attempts within the call."""

from __future__ import annotations

import time

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.settings import KubeSettings
from services.shared.platform import PlatformUnavailable
from tests.fake_k8s.fixtures import KubeTarget, kube  # noqa: F401 - fixture

SERVICE_GETS = "/services/demo-service"


@pytest.mark.parametrize("retries", [None, 3])
async def test_a_503_leaves_the_call_at_once(kube: KubeTarget, retries: int | None) -> None:  # noqa: F811
    fake = kube.need_fake()
    overrides = {} if retries is None else {"retries": retries}
    async with kube.platform(**overrides) as platform:
        fake.unavailable_for(60)
        before, started = fake.count("GET", SERVICE_GETS), time.monotonic()
        with pytest.raises(PlatformUnavailable, match="503"):
            await platform.api.get(Kind.SERVICE, kube.namespace, "demo-service")
        took = time.monotonic() - started
        fake.hooks.unavailable_until = 0.0  # back, for the fixture's clean-up
    attempts = fake.count("GET", SERVICE_GETS) - before
    if retries is None:
        assert KubeSettings().retries == 1
        assert attempts == 1 and took < 1.0, (attempts, took)
    else:
        assert attempts == retries, attempts
