"""A subscription's secret is the HMAC key of its deliveries, which receivers compute over its UTF-8 bytes. A
secret holding a lone surrogate (`\\ud800`, which JSON can carry and Python's parser accepts) has no UTF-8 bytes:
it was taken (201), and only a receiver written in Python could ever check a signature with it. It is now 422 on
`secret`, never repeating it; an ordinary non-ASCII secret is taken."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver

ADMIN = {"Authorization": "Bearer admin-token", "Content-Type": "application/json"}
URL = "https://hooks.receiver.example/greenlight"


async def test_a_secret_with_a_lone_surrogate_is_refused(bus_settings: BusSettings, database_url: str) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    async with TestClient(TestServer(app, host="127.0.0.1")) as api:
        lone = await api.post("/subscriptions", headers=ADMIN, data=(
            '{"id": "lone", "url": "' + URL + '", "secret": "\\ud800-0123456789abcdef"}').encode())
        body = await lone.json()
        fine = await api.post("/subscriptions", headers=ADMIN, json={
            "id": "fine", "url": URL, "secret": "schlüssel-0123456789abcdef"})
    assert lone.status == 422, body
    [field] = body["fields"]
    assert field["loc"] == ["body", "secret"] and "UTF-8" in field["msg"], body
    assert "0123456789abcdef" not in str(body)
    assert fine.status == 201, await fine.text()
