"""Small helpers the tests share: run an app, await a release state, read dead letters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest
import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage
from aiohttp import web

from services.shared.db.batches import fold_batch_sync
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Release
from services.shared.runtime import STORE, service_app
from services.shared.settings import BusSettings
from services.shared.stop_deadline import StopBoundRunner
from services.shared.store import ReleaseStore

SHA = "0123456789abcdef0123456789abcdef01234567"
# httpx builds a TLS context (the CA bundle parsed) for every client: 28 ms of CPU here, on the event loop the
# services under test share. A driver opening a client per retry spent 65% of an outage test's loop on it, and
# under the suite's load that starved the API it probed (a connect timed out). One context, shared.
_TLS = httpx.create_ssl_context()


def httpx_client(base_url: str, token: str | None = None, timeout: float = 10) -> httpx.AsyncClient:
    """An HTTP client of the API, cheap to open (a fresh one per attempt keeps no connection to a killed API)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout, verify=_TLS)


def make_release(rid: str = "r1", app: str = "demo", **changes: object) -> Release:
    base = Release(id=rid, app=app, repository="https://example.org/demo.git", commit=SHA, requested_by="ann")
    return base.model_copy(update=changes)


@contextlib.asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[web.Application]:
    """Start an app's cleanup contexts (bus, consumers...) without an HTTP site, and stop them after."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        yield app
    finally:
        await runner.cleanup()


async def wait_for_state(store: ReleaseStore | ReleaseDatabase, release_id: str, *states: ReleaseState,
                         timeout: float = 15.0) -> Release:
    """The release once it reaches one of `states`, from the log; fails after `timeout`."""
    follow = store.follow(-1, lambda e: e.release_id == release_id and e.state in states)
    try:
        logged = await asyncio.wait_for(anext(follow), timeout)
    finally:
        await follow.aclose()
    return logged.event.release


def waiting_signal(database: ReleaseDatabase) -> asyncio.Event:
    """Set when a caller starts waiting for the read model, or one release of it, to move."""
    entered = asyncio.Event()
    changed, moved = database.changed, database.moved

    async def spy_changed(since: int, timeout: float) -> None:
        entered.set()
        await changed(since, timeout)

    async def spy_moved(delivered: asyncio.Event, since: int, timeout: float) -> None:
        entered.set()
        await moved(delivered, since, timeout)

    database.changed = spy_changed  # type: ignore[method-assign]
    database.moved = spy_moved  # type: ignore[method-assign]
    return entered


class Deliveries:
    """Wakes whoever waits at each delivery of the log to a projector of this process (`Projector._on_message`
    spied on): make it before the projector starts to lead, which hands its `_on_message` to the consumer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._delivered = asyncio.Condition()
        on_message = Projector._on_message

        async def spy(projector: Projector, message: AbstractIncomingMessage) -> None:
            await on_message(projector, message)
            async with self._delivered:
                self._delivered.notify_all()

        monkeypatch.setattr(Projector, "_on_message", spy)

    async def until(self, database: ReleaseDatabase, release_id: str, count: int, timeout: float = 10.0) -> None:
        """Until this process's projector holds `count` of the release's events, delivered and not folded."""
        # asyncio.timeout, not wait_for: the latter's races on Python 3.11 (services/shared/timeouts.py).
        async with asyncio.timeout(timeout), self._delivered:
            await self._delivered.wait_for(lambda: len(database.arrived(release_id)) >= count)


@contextlib.asynccontextmanager
async def observer(bus: BusSettings) -> AsyncIterator[ReleaseStore]:
    """The release log folded in memory in the test's process: what tests await and check, independent of
    any service's own read model."""
    app = service_app("observer", bus, with_store=True)
    async with running(app):
        yield app[STORE]


async def logged_events(database: ReleaseDatabase, *, app: str | None = None) -> list[ReleaseEvent]:
    """Every event the database has folded from the log so far (log order), optionally of one app."""
    query = sa.select(events.c.body).where(events.c.log_offset.is_not(None)).order_by(events.c.log_offset)
    if app is not None:
        query = query.where(events.c.app == app)
    async with database.engine.connect() as connection:
        return [ReleaseEvent.model_validate_json(body) for body in (await connection.execute(query)).scalars()]


async def dlq_depth(bus: BusSettings) -> int:
    """How many messages the test's dead-letter queue holds."""
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(bus.dead_letter_queue, passive=True)
        return int(queue.declaration_result.message_count or 0)


async def dead_letters(settings: BusSettings, count: int, timeout: float = 15.0,
                       ) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Read `count` messages from the test's dead-letter queue (acked)."""
    got: list[aio_pika.abc.AbstractIncomingMessage] = []
    connection = await connect_any(settings, "gltest-dlq-reader")
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(settings.dead_letter_queue)
        async with asyncio.timeout(timeout):
            async with queue.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    got.append(message)
                    if len(got) >= count:
                        break
    return got


@contextlib.asynccontextmanager
async def serving(app: web.Application, port: int | None = None) -> AsyncIterator[str]:
    """Run an app; with `port` (0: any free one) also an HTTP site, whose URL is yielded ("" without)."""
    runner = StopBoundRunner(app, access_log=None)  # as served: one deadline for the whole stop
    await runner.setup()
    try:
        url = ""
        if port is not None:
            site = web.TCPSite(runner, "127.0.0.1", port)
            await site.start()
            url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        yield url
    finally:
        await runner.cleanup()


async def connect_any(bus: BusSettings, name: str) -> aio_pika.abc.AbstractConnection:
    """A plain connection to the first of the broker's addresses that answers (AMQP_URL may list a cluster's)."""
    error: Exception | None = None
    for url in bus.amqp_urls():
        try:
            return await aio_pika.connect(url, client_properties={"connection_name": name})
        except (aio_pika.exceptions.AMQPConnectionError, OSError) as exc:
            error = exc
    raise AssertionError(f"no broker address answers: {error!r}")


async def delete_queues(bus: BusSettings, *names: str) -> None:
    connection = await connect_any(bus, "gltest-cleanup")
    async with connection:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)


class HeldFold:
    """Holds the projector's next batch (its messages stay delivered and unfolded) until `release`."""

    def __init__(self, database: ReleaseDatabase) -> None:
        self.held = asyncio.Event()
        self.release = asyncio.Event()
        run = database.writer.run

        async def gated(fn: Any, *args: Any, **kwargs: Any) -> Any:
            if fn is fold_batch_sync and not self.release.is_set():
                self.held.set()
                await self.release.wait()
            return await run(fn, *args, **kwargs)

        database.writer.run = gated  # type: ignore[method-assign]
