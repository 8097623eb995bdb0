"""Two releases' events sent at once to a receiver that answers both 410 Gone: the first answer disables the
subscription, an admin enables it again (the receiver is back), and only then is the second answer, received before
the enable, processed. It disabled the subscription again: the admin's enable was silently undone, and the next
event was never sent. A disabling now gives way to an enable made since the subscription was read for that delivery,
before its request went."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.records import Status
from services.shared.settings import BusSettings
from services.shared.subscription_states import SubscriptionStates
from tests.approval.fakes import FakeResolver
from tests.notifier.conftest import ADMIN, records_of, rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten

WAIT = 20.0


class LateSecondDisabling:
    """SubscriptionStates.disable, the first call held until the second 410 is in (both answered before the enable),
    the second held until the test has enabled the subscription (its processing late)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.second_in, self.first_done, self.enabled = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self.calls = 0
        real = SubscriptionStates.disable

        async def disable(states: SubscriptionStates, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == 1:
                async with asyncio.timeout(WAIT):
                    await self.second_in.wait()
                try:
                    return await real(states, *args, **kwargs)
                finally:
                    self.first_done.set()
            self.second_in.set()
            async with asyncio.timeout(WAIT):
                await self.enabled.wait()
            return await real(states, *args, **kwargs)

        monkeypatch.setattr(SubscriptionStates, "disable", disable)


async def test_a_410_answered_before_an_enable_does_not_undo_it(
        bus_settings: BusSettings, any_database: str, receiver: Receiver, records_written: RecordsWritten,
        monkeypatch: pytest.MonkeyPatch) -> None:
    [one], [two], [back], [again] = walk("gone1", "demo"), walk("gone2", "demo"), walk("back3", "demo"), walk(
        "gone4", "demo")
    receiver.scripted = {event.message_id: [(410, {})] for event in (one, two, again)}
    gate = LateSecondDisabling(monkeypatch)
    api = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())

    async def settled(*releases: str) -> bool:
        return {r.status for release in releases for r in await records_of(any_database, release)} == {
            Status.FAILED}

    async with rig(bus_settings, any_database, receiver) as r, TestClient(TestServer(api, host="127.0.0.1")) as client:
        await r.publish(one, two)
        async with asyncio.timeout(WAIT):
            await gate.first_done.wait()  # disabled by the first 410
        listed = {s["id"]: s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]}
        assert listed["sub-0"]["disabled_at"] is not None
        enabled = await client.post("/subscriptions/sub-0/enable", headers=ADMIN)
        assert enabled.status == 200, await enabled.text()
        gate.enabled.set()  # now the second 410, answered before the enable, is processed
        await records_written.until(lambda: settled("gone1", "gone2"), WAIT)
        after = {s["id"]: s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]}
        assert after["sub-0"]["disabled_at"] is None, after["sub-0"]  # the enable stands
        await r.publish(back)
        delivered = await receiver.wait_for(1, timeout=WAIT)
        await r.publish(again)  # a 410 answered after the enable disables it again
        await records_written.until(lambda: settled("gone4"), WAIT)
        last = {s["id"]: s for s in (await (await client.get("/subscriptions", headers=ADMIN)).json())["items"]}
    errors = {r.event_id: r.last_error for release in ("gone1", "gone2", "gone4")
              for r in await records_of(any_database, release)}
    assert gate.calls == 3
    assert [d["id"] for d in delivered] == [back.message_id]
    assert {errors[one.message_id], errors[two.message_id]} == {
        "HTTP 410: subscription disabled", "HTTP 410: subscription enabled again since it was sent"}
    assert errors[again.message_id] == "HTTP 410: subscription disabled"
    assert last["sub-0"]["disabled_at"] is not None, last["sub-0"]
