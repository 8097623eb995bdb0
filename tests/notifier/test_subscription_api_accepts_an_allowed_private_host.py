"""POST /subscriptions accepts a non-public host the operator names in GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS (the
API's own environment): a bare host on any port, `host:port` on that port only, a name as written (any case, a
final dot), an address in any spelling; public hosts need no entry."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from services.shared.subscriber_hosts import SETTING
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import SECRET

ADMIN = {"Authorization": "Bearer admin-token"}
ACCEPTED = ["http://10.0.0.5:8080/hook", "http://receiver.localhost/hook", "http://RECEIVER.localhost.:9000/in",
            "http://[::1]/hook", "http://[0::0001]:81/hook", "https://hooks.example.org/hook"]
REFUSED = ["http://10.0.0.5:9090/hook", "http://10.0.0.6:8080/hook", "http://localhost/hook"]


async def test_a_host_the_operator_allows_is_accepted(bus_settings: BusSettings, postgres_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SETTING, "10.0.0.5:8080, receiver.localhost ,::1")
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with TestClient(TestServer(app, host="127.0.0.1")) as api:
        statuses = {}
        for n, url in enumerate(ACCEPTED + REFUSED):
            answer = await api.post("/subscriptions", headers=ADMIN, json={"id": f"s{n}", "url": url, "secret": SECRET})
            statuses[url] = answer.status
        listed = await (await api.get("/subscriptions", headers=ADMIN)).json()
    assert statuses == {**{url: 201 for url in ACCEPTED}, **{url: 422 for url in REFUSED}}
    assert len(listed["items"]) == len(ACCEPTED)
