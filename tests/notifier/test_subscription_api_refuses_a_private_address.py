"""POST /subscriptions refuses a URL whose host is a loopback, private, link-local or other non-public address
written out (in any of its spellings), or a `localhost` name: 422, a field error on `body.url` naming
GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS, nothing added, no credential of the URL repeated. The early answer only:
the notifier checks every address it connects to (test_subscription_to_a_private_address_is_refused.py)."""

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
TOKEN = "tok-9a8b7c6d5e4f"
REFUSED = [
    "http://127.0.0.1:8080/hook", "http://127.1/hook", "http://2130706433/hook",  # loopback, however written
    "https://10.1.2.3/hook", "http://192.168.0.10/hook", "http://100.64.0.1/hook",  # private, carrier-grade NAT
    "http://169.254.169.254/latest/meta-data", "http://0.0.0.0:8105/deliveries",  # link-local, unspecified
    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://[fd00::1]/hook", "http://[fe80::1]/hook",
    "http://224.0.0.1/hook",  # multicast
    f"http://ops:{TOKEN}@localhost:8105/hook?token={TOKEN}", "http://LOCALHOST./hook", "http://api.localhost/hook",
]


async def test_private_addresses_and_local_names_are_refused_with_a_field_error(
        bus_settings: BusSettings, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SETTING, raising=False)  # nothing allowed
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with TestClient(TestServer(app, host="127.0.0.1")) as api:
        answers = {}
        for n, url in enumerate(REFUSED):
            answer = await api.post("/subscriptions", headers=ADMIN, json={"id": f"s{n}", "url": url, "secret": SECRET})
            answers[url] = (answer.status, await answer.json())
        listed = await (await api.get("/subscriptions", headers=ADMIN)).json()
    assert {url: status for url, (status, _) in answers.items()} == {url: 422 for url in REFUSED}
    for _, body in answers.values():
        [field] = body["fields"]
        assert field["loc"] == ["body", "url"] and SETTING in field["msg"], body
    assert "host localhost is a local name" in answers[REFUSED[-3]][1]["fields"][0]["msg"]
    assert TOKEN not in repr([body for _, body in answers.values()])
    assert listed["items"] == []
