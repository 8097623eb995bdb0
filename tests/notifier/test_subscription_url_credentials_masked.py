"""A subscription's URL can itself be the credential: a Slack incoming webhook's path is its token, a
receiver may take `?token=` (or `?code=`, any name) or userinfo. The admin API answers secrets never, so it
answers the URL masked (`***`) on GET, POST and DELETE alike, keeping what recognises the subscription:
scheme, host, port, a non-Slack path and the query's keys. Deliveries still go to the URL as given."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import SECRET

ADMIN = {"Authorization": "Bearer admin-token"}
SLACK_TOKEN = "xQ9vR2mT7pL4sK8wN3bZ6cF1"
QUERY_TOKEN = "qtok-5f2a9c81d7e34b60"
CODE = "azfn-code-77c1e0d4b2"
USER_PASSWORD = "pw-0a8d7e6c5b4a3f21"

SUBSCRIPTIONS = {  # id: (url, format, as answered)
    "masked-slack": (f"https://hooks.slack.com/services/T0000000/B0000000/{SLACK_TOKEN}", "slack",
                     "https://hooks.slack.com/***"),
    "masked-query": (f"https://receiver.example.org:8443/in?token={QUERY_TOKEN}&code={CODE}", "cloudevents",
                     "https://receiver.example.org:8443/in?token=***&code=***"),
    "masked-user": (f"https://ops:{USER_PASSWORD}@receiver.example.org/in", "cloudevents",
                    "https://***@receiver.example.org/in"),
    "masked-plain": ("https://receiver.example.org/in", "cloudevents", "https://receiver.example.org/in"),
}
CREDENTIALS = (SLACK_TOKEN, QUERY_TOKEN, CODE, USER_PASSWORD)


async def test_subscription_urls_are_answered_with_their_credentials_masked(
        bus_settings: BusSettings, postgres_url: str) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    made: list[str] = []
    answered: dict[str, dict[str, str]] = {"created": {}, "listed": {}, "deleted": {}}
    texts: list[str] = []
    async with TestClient(TestServer(app, host="127.0.0.1")) as api:
        try:
            for sid, (url, fmt, _) in SUBSCRIPTIONS.items():
                created = await api.post("/subscriptions", headers=ADMIN,
                                         json={"id": sid, "url": url, "secret": SECRET, "format": fmt})
                assert created.status == 201, await created.text()
                made.append(sid)
                texts.append(await created.text())
                answered["created"][sid] = (await created.json())["url"]
            listed = await api.get("/subscriptions", headers=ADMIN)
            texts.append(await listed.text())
            answered["listed"] = {s["id"]: s["url"] for s in (await listed.json())["items"] if s["id"] in made}
        finally:
            for sid in made:
                deleted = await api.delete(f"/subscriptions/{sid}", headers=ADMIN)
                texts.append(await deleted.text())
                answered["deleted"][sid] = (await deleted.json())["url"]
    assert [c for c in CREDENTIALS if any(c in t for t in texts)] == []
    expected = {sid: shown for sid, (_, _, shown) in SUBSCRIPTIONS.items()}
    assert answered == {"created": expected, "listed": expected, "deleted": expected}
