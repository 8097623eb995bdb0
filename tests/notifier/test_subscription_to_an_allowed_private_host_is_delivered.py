"""A host the operator names in GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS is delivered to although it resolves to a
loopback address: the same name the guard refuses otherwise (test_subscription_to_a_private_address_is_refused.py)."""

from __future__ import annotations

from yarl import URL

from services.notifier.records import Status
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import Names, records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver


async def test_an_allowed_name_resolving_to_loopback_is_delivered_to(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    requested, failed = walk("r10", "demo", S.FAILED)
    # Only the name is allowed (any port): not the receiver's own address, so nothing else gets through.
    async with rig(bus_settings, postgres_url, receiver, subscriptions=[], allow=["Internal.Example."],
                   resolver=Names({"internal.example": "127.0.0.1"})) as r:
        await subscribe(r, id="internal", url=f"http://internal.example:{URL(r.receiver_url).port}/hook")
        await r.publish(requested, failed)
        accepted = await receiver.wait_for(2)
    assert [d["id"] for d in accepted] == [requested.message_id, failed.message_id]
    assert [(rec.status, rec.attempts) for rec in await records_of(postgres_url, "r10")] == [(Status.DELIVERED, 1)] * 2
