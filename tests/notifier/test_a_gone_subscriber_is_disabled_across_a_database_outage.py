"""A 410 Gone has two effects, the delivery recorded failed and the subscription disabled, and the database can go
away between them. Recorded first, the disabling was lost: the event, parked for the outage, came back to a record
already failed and did nothing more, so the subscription stayed enabled and the next event was POSTed to the gone
receiver again. Now the subscription is disabled first; the event back from its outage finds it disabled and records
its delivery failed, so nothing is left pending either."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import pytest

from services.notifier.records import DeliveryRecords, Status
from services.notifier.retry import RetryQueues
from services.shared.settings import BusSettings
from services.shared.subscription_states import SubscriptionStates
from services.shared.timeouts import bounded
from tests.harness import dlq_depth, serving
from tests.notifier.conftest import records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver
from tests.notifier.test_database_outage_parks import proxied
from tests.tcp_proxy import TcpProxy


def outage_after_the_first_effect(monkeypatch: pytest.MonkeyPatch, proxy: TcpProxy) -> asyncio.Event:
    """The database goes away right after the 410's first write (either one), once; the event returned is set once
    the notifier has parked a notification for an outage."""
    parked, taken = asyncio.Event(), asyncio.Event()

    def then_away(write: Any, of_410: Any) -> Any:
        async def written(self: object, *args: Any, **kwargs: Any) -> Any:
            result = await write(self, *args, **kwargs)
            if of_410(*args) and not taken.is_set():
                taken.set()
                await proxy.away()
            return result
        return written

    monkeypatch.setattr(DeliveryRecords, "attempted", then_away(
        DeliveryRecords.attempted, lambda _record, status, error=None: "410" in str(error)))
    monkeypatch.setattr(SubscriptionStates, "disable", then_away(SubscriptionStates.disable, lambda *_: True))
    park = RetryQueues.park

    async def spy(self: RetryQueues, *args: Any, **kwargs: Any) -> None:
        await park(self, *args, **kwargs)
        if kwargs.get("outages"):
            parked.set()

    monkeypatch.setattr(RetryQueues, "park", spy)
    return parked


async def test_the_subscription_is_disabled_though_the_database_went_away_after_the_410(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = TcpProxy(urlparse(postgres_url).hostname or "127.0.0.1", urlparse(postgres_url).port or 5432)
    await proxy.start()
    parked = outage_after_the_first_effect(monkeypatch, proxy)
    [first], [later] = walk("r1", "demo"), walk("r2", "demo")
    receiver.scripted = {"*": [(410, {})] * 10}  # sub-0's endpoint is gone
    witness = Receiver(receiver.secret)  # delivered to after sub-0 (the environment's come first)
    try:
        async with rig(bus_settings, proxied(postgres_url, proxy, monkeypatch), receiver,
                       retry_delays=[0.5, 1.0, 2.0, 4.0], allow=["127.0.0.1"]) as r, \
                serving(witness.app(), port=0) as witness_url:
            await subscribe(r, id="witness", url=f"{witness_url}/hook")
            await r.publish(first)
            await bounded(parked.wait(), 20)
            await proxy.back()
            await witness.wait_for(1)  # the event back from its outage, handled for sub-0 before the witness
            await r.publish(later)
            await witness.wait_for(2)
            dead = await dlq_depth(bus_settings)
    finally:
        await proxy.stop()
    assert receiver.attempts == {first.message_id: 1}  # the later event was not POSTed to the gone receiver
    [gone] = [x for x in await records_of(postgres_url, "r1") if x.subscription_id == "sub-0"]
    assert gone.status == Status.FAILED and "disabled" in str(gone.last_error), gone
    assert dead == 0
