"""`POST /subscriptions` on a broker connection that stopped answering without closing (a network dropping every
packet; the heartbeats find it stuck only after minutes) waited for the binding with no bound: the request was held
until the client gave up, the row then listed as added while its events might never be routed. Now the binding is
waited for GREENLIGHT_API_SUBSCRIPTION_BIND_TIMEOUT: past it the answer is 503 with Retry-After saying what happened,
and the subscription is not listed. The binding is not cut off (the broker may close the whole connection then):
once the broker answers it ends, and is taken away again, as the database holds no such subscription (the notifier's
re-binding rounds only add bindings: they would never take it away)."""

from __future__ import annotations

import asyncio

import structlog

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import ADMIN
from tests.approval.silent_broker import GENEROUS, RECEIVER, SECRET, silent_broker

BOUND = 1.5  # seconds; the broker stays silent far longer
OPS = {"id": "ops", "url": RECEIVER, "secret": SECRET, "apps": ["demo"], "states": ["requested", "failed"]}


async def test_a_binding_the_broker_does_not_answer_adds_nothing(settings: ApprovalSettings,
                                                                 bus_settings: BusSettings) -> None:
    loop = asyncio.get_running_loop()
    with structlog.testing.capture_logs() as logs:
        async with silent_broker(settings, bus_settings) as broker:
            broker.bound(BOUND)
            broker.proxy.freeze()
            began = loop.time()
            async with asyncio.timeout(BOUND + GENEROUS):  # before: held until the client's own timeout
                answer = await broker.client.post("/subscriptions", headers=ADMIN, json=OPS)
            waited = loop.time() - began
            said = await answer.json()
            listed = await (await broker.client.get("/subscriptions", headers=ADMIN)).json()
            broker.proxy.thaw()  # the late binding ends now, then is taken away
            await broker.settled()
            routed = await broker.routed("demo", S.REQUESTED, S.FAILED)

    assert (answer.status, answer.headers.get("Retry-After")) == (503, "2"), said
    assert said == {"error": "The event bus did not answer within 1.5 s: the subscription was not "
                    "added (a binding the broker makes later is taken away again); retry."}
    assert waited >= BOUND
    assert listed == {"items": []}
    ended = [line for line in logs if line["event"].startswith("a subscription's late broker call ended")]
    assert [(line["subscription"], line["error"]) for line in ended] == [("ops", None)], ended  # it did bind
    assert routed == []
