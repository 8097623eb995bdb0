"""A `slack` subscription posts only the states a person may have to act on (awaiting approval, failed, rolled
back). One asking for states all outside those was accepted (201) and never delivered anything: nobody is told
their subscription is silent by design. It is now 422 on `states`, nothing added; one with some Slack states
among others is accepted."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import SECRET

ADMIN = {"Authorization": "Bearer admin-token"}
URL = "https://hooks.slack.example/services/T0/B0/x"


async def test_slack_states_none_of_which_it_posts_are_refused(bus_settings: BusSettings, database_url: str) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with TestClient(TestServer(app, host="127.0.0.1")) as api:
        silent = await api.post("/subscriptions", headers=ADMIN, json={
            "id": "silent", "url": URL, "secret": SECRET, "format": "slack", "states": ["live", "requested"]})
        body = await silent.json()
        some = await api.post("/subscriptions", headers=ADMIN, json={
            "id": "some", "url": URL, "secret": SECRET, "format": "slack", "states": ["live", "failed"]})
        listed = await (await api.get("/subscriptions", headers=ADMIN)).json()
    assert silent.status == 422, body
    [field] = body["fields"]
    assert field["loc"] == ["body", "states"] and "would never be delivered" in field["msg"], body
    assert some.status == 201, await some.text()
    assert [item["id"] for item in listed["items"]] == ["some"]
