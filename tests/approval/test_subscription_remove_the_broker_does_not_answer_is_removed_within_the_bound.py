"""`DELETE /subscriptions/{id}` on a broker connection that stopped answering without closing removed the row, then
waited for the unbinding with no bound: the request was held until the client gave up. Now it is waited for
GREENLIGHT_API_SUBSCRIPTION_BIND_TIMEOUT: past it the subscription is removed all the same (200, as when the broker
refuses the unbinding), and the unbinding, left to end (not cut off), takes its bindings away once the broker
answers."""

from __future__ import annotations

import asyncio

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import ADMIN
from tests.approval.silent_broker import GENEROUS, RECEIVER, SECRET, silent_broker

BOUND = 1.5  # seconds; the broker stays silent far longer
OPS = {"id": "ops", "url": RECEIVER, "secret": SECRET, "apps": ["demo"], "states": ["requested", "failed"]}


async def test_a_removal_the_broker_does_not_answer_removes_all_the_same(settings: ApprovalSettings,
                                                                         bus_settings: BusSettings) -> None:
    loop = asyncio.get_running_loop()
    async with silent_broker(settings, bus_settings) as broker:
        created = await broker.client.post("/subscriptions", headers=ADMIN, json=OPS)
        assert created.status == 201, await created.text()
        assert await broker.routed("demo", S.REQUESTED) == ["requested"]  # bound

        broker.bound(BOUND)
        broker.proxy.freeze()
        began = loop.time()
        async with asyncio.timeout(BOUND + GENEROUS):  # before: held until the client's own timeout
            answer = await broker.client.delete("/subscriptions/ops", headers=ADMIN)
        waited = loop.time() - began
        removed = await answer.json()
        listed = await (await broker.client.get("/subscriptions", headers=ADMIN)).json()
        broker.proxy.thaw()  # the unbinding ends now
        await broker.settled()
        routed = await broker.routed("demo", S.REQUESTED, S.FAILED)

    assert (answer.status, removed["id"]) == (200, "ops"), removed
    assert waited >= BOUND
    assert listed == {"items": []}
    assert routed == []
