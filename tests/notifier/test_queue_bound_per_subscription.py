"""The notifier's queue gets only the events some subscription wants: the API binds a subscription before its 201
and unbinds it on delete; the notifier binds its own settings' and the database's at start, and drops the
bindings of an older Greenlight (every notified state of every app)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app as approval_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.app import create_app as notifier_app
from services.notifier.settings import NotifierSettings
from services.shared.bus import Bus
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.notified import notifier_queue
from services.shared.protocol import ReleaseState as S
from services.shared.protocol import routing_key
from services.shared.settings import BusSettings
from services.shared.subscriptions import NOTIFIED, SubscriptionSpec, SubscriptionTable
from tests.approval.fakes import FakeResolver
from tests.harness import serving
from tests.notifier.conftest import SECRET, walk
from tests.notifier.receiver import Receiver

# The receivers (and URL) are on 127.0.0.1: GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS names it for the API and for
# any notifier these tests build from the environment.
pytestmark = pytest.mark.usefixtures("loopback_subscribers")
ADMIN = {"Authorization": "Bearer admin-token"}
URL = "http://127.0.0.1:9/hook"  # nothing is delivered here: no notifier consumes in these tests
# Every notified state, of two apps: what reaches the queue says what it is bound to.
EVERYTHING = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.REJECTED)


@contextlib.asynccontextmanager
async def publisher(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-publisher")
    await bus.connect()  # declares every work queue: the notifier's without a binding
    try:
        yield bus
    finally:
        await bus.close()


async def queued(bus: Bus) -> list[str]:
    """Takes every message from the notifier's queue: their ids, in order."""
    channel = await bus.channel(1)
    try:
        queue = await channel.get_queue(notifier_queue(bus.settings))
        ids = []
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            ids.append(str(message.message_id))
        return ids
    finally:
        await channel.close()


async def publish_both_apps(bus: Bus, run: str) -> None:
    """demo's and other's walks; every event confirmed, so routed, before this returns."""
    for event in (*walk(f"d{run}", "demo", *EVERYTHING), *walk(f"o{run}", "other", *EVERYTHING)):
        await bus.publish(event)


async def test_the_api_binds_what_a_subscription_wants_and_unbinds_it_on_delete(
        bus_settings: BusSettings, database_url: str) -> None:
    api = approval_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                       hooks=HookSettings())
    async with publisher(bus_settings) as bus, TestClient(TestServer(api, host="127.0.0.1")) as client:
        await publish_both_apps(bus, "0")
        assert await queued(bus) == []  # no subscription: nothing copied

        ops = {"id": "ops", "url": URL, "secret": SECRET, "apps": ["demo"], "states": ["awaiting_approval"]}
        # Slack: only the states it has words for, so not demo's `requested`; one of them ops' key too.
        chat = {"id": "chat", "url": URL, "secret": SECRET, "apps": ["demo"], "format": "slack"}
        wide = {"id": "wide", "url": URL, "secret": SECRET, "states": ["rejected"]}  # every app
        for body in (ops, chat, wide):
            assert (await client.post("/subscriptions", json=body, headers=ADMIN)).status == 201
        await publish_both_apps(bus, "1")
        # demo's awaiting_approval once though ops and chat both want it; both rejections for wide; nothing
        # else of `other` (ops wants demo's only).
        assert sorted(await queued(bus)) == ["d1/7", "d1/8", "o1/8"]

        assert (await client.delete("/subscriptions/chat", headers=ADMIN)).status == 200
        await publish_both_apps(bus, "2")
        # ops' own binding of release.demo.awaiting_approval outlived chat's binding of that same key.
        assert sorted(await queued(bus)) == ["d2/7", "d2/8", "o2/8"]


async def test_the_notifier_binds_its_subscriptions_at_start_and_drops_the_old_bindings(
        bus_settings: BusSettings, database_url: str) -> None:
    async with publisher(bus_settings) as bus:
        # An older Greenlight bound the queue to every notified state of every app.
        channel = await bus.channel(1)
        queue = await channel.get_queue(notifier_queue(bus_settings))
        for state in NOTIFIED:
            await queue.bind(bus_settings.exchange, routing_key("*", state))
        await channel.close()
        # One subscription in the database only, as if the API replica that added it died before binding it.
        engine = await open_migrated(DatabaseSettings())
        try:
            await SubscriptionTable(engine).add(SubscriptionSpec.model_validate(
                {"id": "stored", "url": URL, "secret": SECRET, "apps": ["other"], "states": ["rejected"]}))
        finally:
            await engine.dispose()
        own = SubscriptionSpec.model_validate({"id": "own", "url": URL, "secret": SECRET, "apps": ["demo"],
                                               "states": ["requested"]})
        settings = NotifierSettings(subscriptions=[own], bus=bus_settings, timeout=5)
        async with serving(notifier_app(settings), port=0):
            pass  # started (bound) and stopped: what follows stays in the queue
        await publish_both_apps(bus, "3")
        assert sorted(await queued(bus)) == ["d3/1", "o3/8"]


async def test_a_subscription_the_broker_cannot_bind_is_not_added(bus_settings: BusSettings,
                                                                  database_url: str) -> None:
    api = approval_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                       hooks=HookSettings())
    async with publisher(bus_settings) as bus, TestClient(TestServer(api, host="127.0.0.1")) as client:
        channel = await bus.channel(1)
        await channel.exchange_delete(bus_settings.exchange)  # a binding to it is refused: NOT_FOUND
        await channel.close()
        body = {"id": "ops", "url": URL, "secret": SECRET}
        refused = await client.post("/subscriptions", json=body, headers=ADMIN)
        assert refused.status == 503, await refused.text()
        assert refused.headers["Retry-After"] == "5"
        listed = await (await client.get("/subscriptions", headers=ADMIN)).json()
        assert listed["items"] == []  # not half added: a retry creates it afresh instead of a 409


async def test_the_notifier_mends_a_subscription_left_unbound(bus_settings: BusSettings, database_url: str,
                                                              receiver: Receiver) -> None:
    # Added while the notifier runs, by an API replica that died before binding it: only the re-binding that
    # runs every rebind_interval can ever queue its events.
    async with serving(receiver.app(), port=0) as receiver_url, publisher(bus_settings) as bus:
        settings = NotifierSettings(bus=bus_settings, timeout=5, rebind_interval=0.2)
        async with serving(notifier_app(settings), port=0):
            engine = await open_migrated(DatabaseSettings())
            try:
                await SubscriptionTable(engine).add(SubscriptionSpec.model_validate(
                    {"id": "late", "url": f"{receiver_url}/hook", "secret": SECRET, "states": ["requested"]}))
            finally:
                await engine.dispose()
            # Until the next round binds it, a release's `requested` is queued for nobody: one release per try.
            for attempt in range(50):
                await bus.publish(walk(f"m{attempt}")[0])
                with contextlib.suppress(TimeoutError):
                    await receiver.wait_for(1, timeout=0.2)
                    break
            else:
                raise AssertionError("the subscription was never bound")
            # A try's release may come after the next try began (a busy machine delivered m1 once m2 was published):
            # every try from the first one bound to the last is delivered, once each (releases apart: in any order).
            await receiver.wait_attempts(f"m{attempt}/1", 1)
    delivered = sorted(int(document["id"].removeprefix("m").removesuffix("/1")) for document in receiver.accepted)
    assert delivered == list(range(delivered[0], attempt + 1))
