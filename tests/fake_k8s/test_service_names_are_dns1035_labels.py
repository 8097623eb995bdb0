"""The fake API server refuses a Service name a real one refuses: a DNS-1035 label, at most 63 characters, no dot.

It took any DNS-1123 subdomain (dots, 253 characters, a digit first), as it does for a Deployment: a Service name
template or an app name that no real cluster accepts passed every test run on the fake.
"""

from __future__ import annotations

import aiohttp
import pytest

from tests.fake_k8s import FakeKube
from tests.fake_k8s.test_wire import api, call  # noqa: F401 - fixture

SERVICES = "/api/v1/namespaces/t/services"


def service(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}


@pytest.mark.parametrize("name", ["web.live", "1web-service", "w" * 64, "Web-service"])
async def test_a_name_no_real_api_server_takes_is_invalid(api: tuple[FakeKube, aiohttp.ClientSession],  # noqa: F811
                                                          name: str) -> None:
    status, body = await call(api[1], "POST", SERVICES, service(name))
    assert (status, body["reason"]) == (422, "Invalid"), body
    assert body["details"]["causes"][0]["field"] == "metadata.name"


async def test_a_dns1035_label_is_created(api: tuple[FakeKube, aiohttp.ClientSession]) -> None:  # noqa: F811
    status, body = await call(api[1], "POST", SERVICES, service("w" * 55 + "-service"))
    assert status == 201, body
