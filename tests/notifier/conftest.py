"""The notifier on the real broker and PostgreSQL, delivering to a loopback receiver."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import create_async_engine

from services.approval.app import create_app as create_api
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.notifier.app import RECORDS, create_app
from services.notifier.records import DeliveryRecords, Record
from services.notifier.settings import NotifierSettings
from services.shared.bus import Bus
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.events import ReleaseEvent, first_event
from services.shared.notified import bind_subscriptions
from services.shared.protocol import ReleaseState
from services.shared.settings import BusSettings
from services.shared.subscriber_hosts import SETTING as ALLOW_PRIVATE_HOSTS
from services.shared.subscriptions import EnvironmentSubscription, SubscriptionSpec, SubscriptionTable
from tests.approval.fakes import FakeResolver
from tests.harness import delete_queues, make_release, serving
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import records_written

__all__ = ["records_written"]  # a fixture of the folder

SECRET = "subscriber-secret-0123456789"
ADMIN = {"Authorization": "Bearer admin-token"}
RETRY_DELAYS = [0.05, 0.1, 0.2]


@dataclass
class Rig:
    bus: Bus
    receiver: Receiver
    records: DeliveryRecords | None
    url: str
    receiver_url: str
    settings: NotifierSettings

    async def publish(self, *events: ReleaseEvent) -> None:
        for event in events:
            await self.bus.publish(event)


def walk(release_id: str = "r1", app: str = "demo", *states: ReleaseState, **changes: object) -> list[ReleaseEvent]:
    """The events of one release, from `requested` through `states` in order."""
    events = [first_event(make_release(release_id, app, **changes), actor="ann")]
    for state in states:
        events.append(events[-1].next(state, actor="test"))
    return events


@contextlib.asynccontextmanager
async def rig(bus_settings: BusSettings, database_url: str, receiver: Receiver,
              subscriptions: Sequence[dict[str, object]] = ({},), *, retry_delays: Sequence[float] = RETRY_DELAYS,
              notifier: bool = True, allow: Sequence[str] | None = None,
              resolver: AbstractResolver | None = None) -> AsyncIterator[Rig]:
    """The receiver, a publisher, and (unless `notifier` is false: the test runs its own) the notifier, which may
    deliver to the receiver's loopback host:port (GREENLIGHT_NOTIFIER_ALLOW_PRIVATE_HOSTS) unless `allow` says
    otherwise; `resolver` resolves its host names instead of DNS."""
    async with serving(receiver.app(), port=0) as receiver_url:
        specs = [EnvironmentSubscription.model_validate({"id": f"sub-{n}", "url": f"{receiver_url}/hook",
                                                         "secret": SECRET, **extra})
                 for n, extra in enumerate(subscriptions)]
        # The database: GREENLIGHT_DATABASE_URL, which the test's postgres_url fixture set to `database_url`.
        assert os.environ["GREENLIGHT_DATABASE_URL"] == database_url
        allowed = [receiver_url.removeprefix("http://")] if allow is None else list(allow)
        settings = NotifierSettings(subscriptions=specs, retry_delays=list(retry_delays),
                                    bus=bus_settings, timeout=5, allow_private_hosts=allowed)
        app: web.Application = create_app(settings, resolver=resolver)
        bus = Bus(bus_settings, connection_name="gltest-publisher")
        await bus.connect()
        try:
            if not notifier:
                yield Rig(bus, receiver, None, "", f"{receiver_url}/hook", settings)
                return
            async with serving(app, port=0) as url:
                yield Rig(bus, receiver, app[RECORDS], url, f"{receiver_url}/hook", settings)
        finally:
            await bus.close()
            await delete_queues(bus_settings, *(settings.retry_queue(n) for n in range(len(retry_delays))))


async def subscribe(r: Rig, **fields: object) -> SubscriptionSpec:
    """A subscription stored and bound as the API does it (an API whose own settings let its URL through)."""
    spec = SubscriptionSpec.model_validate({"secret": SECRET, **fields})
    engine = await open_migrated(DatabaseSettings())
    try:
        await SubscriptionTable(engine).add(spec)
    finally:
        await engine.dispose()
    await bind_subscriptions(r.bus.connection, r.bus.settings, [spec])
    return spec


async def assert_answered_masked(bus_settings: BusSettings, subscriptions: dict[str, tuple[str, str, str]],
                                 secrets: Sequence[str]) -> None:
    """Each of `subscriptions` (id: (url, format, as answered)) created, listed and deleted through the admin API:
    every answer gives its URL as expected, and no answer holds any of `secrets`."""
    app = create_api(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(),
                     hooks=HookSettings())
    made: list[str] = []
    answered: dict[str, dict[str, str]] = {"created": {}, "listed": {}, "deleted": {}}
    texts: list[str] = []
    async with TestClient(TestServer(app, host="127.0.0.1")) as api:
        try:
            for sid, (url, fmt, _) in subscriptions.items():
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
    assert [secret for secret in secrets if any(secret in text for text in texts)] == []
    expected = {sid: shown for sid, (_, _, shown) in subscriptions.items()}
    assert answered == {"created": expected, "listed": expected, "deleted": expected}


class Names(AbstractResolver):
    """Host names resolved from a table, as the notifier's injected resolver: a public-looking name can answer a
    loopback address without DNS. Any other name is unknown, as DNS would say."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: unknown")
        return [ResolveResult(hostname=host, host=self.table[host], port=port, family=socket.AF_INET, proto=0,
                              flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV)]

    async def close(self) -> None:
        pass


async def records_of(database_url: str, release_id: str) -> list[Record]:
    """The delivery records once the notifier has stopped: every in-flight delivery has settled by then."""
    engine = create_async_engine(database_url)
    try:
        return await DeliveryRecords(engine).of_release(release_id)
    finally:
        await engine.dispose()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver(SECRET)


@pytest.fixture
def loopback_subscribers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API may accept these tests' receivers, on 127.0.0.1: it reads the setting from its environment."""
    monkeypatch.setenv(ALLOW_PRIVATE_HOSTS, "127.0.0.1")
