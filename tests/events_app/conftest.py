"""Shared fixtures for the events_app tests: a fake clock, the stub API, and app clients."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Middleware
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from tm_fixtures import NOW
from tm_stub import API_KEY, StubTicketmaster

from events_app.app import create_app
from events_app.settings import Settings
from events_app.ticketmaster import EventSource

MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture(autouse=True)
async def no_leaked_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves asyncio tasks running once every other fixture has torn down."""
    before = asyncio.all_tasks()
    yield
    # Let tasks cancelled during teardown take their final step.
    for _ in range(3):
        await asyncio.sleep(0)
    current = asyncio.current_task()
    leaked = [t for t in asyncio.all_tasks() if t not in before and t is not current and not t.done()]
    for task in leaked:
        task.cancel()
    if leaked:
        pytest.fail(f"leaked asyncio tasks: {sorted(t.get_name() for t in leaked)}")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment: a developer's real key must not leak into a test."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


class FakeClock:
    """Both clocks of `events_app.cache.Clock`, moved only by `advance`."""

    def __init__(self) -> None:
        self.wall = NOW.timestamp()
        self.mono = 1_000.0

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def stub() -> AsyncIterator[StubTicketmaster]:
    server = StubTicketmaster()
    await server.start()
    yield server
    await server.close()


def settings_for(stub: StubTicketmaster, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ticketmaster_api_key": API_KEY,
        "ticketmaster_base_url": stub.base_url,
        "events_page_size": 10,
        "ticketmaster_max_rps": 1000.0,  # only the rate-limit test wants real spacing
        "app_color": "green",
        "app_version": "0123abc",
    }
    return Settings(**(values | overrides))


@pytest.fixture
async def make_client(stub: StubTicketmaster, clock: FakeClock) -> AsyncIterator[MakeClient]:
    """Start the app on loopback; keyword arguments override Settings fields."""
    clients: list[TestClient[Any, Any]] = []

    async def factory(
        *,
        source: EventSource | None = None,
        registry: CollectorRegistry | None = None,
        middlewares: Sequence[Middleware] = (),
        **overrides: Any,
    ) -> TestClient[Any, Any]:
        app = create_app(settings_for(stub, **overrides), source=source, clock=clock, registry=registry)
        app.middlewares.extend(middlewares)
        client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()


# The shared allowance's Redis: the machine's (scripts/setup.sh starts it), or EVENTS_TEST_REDIS_URL.
TEST_REDIS_URL = os.environ.get("EVENTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own, so tests running at once never share an allowance; its keys go after."""
    prefix = f"test:events:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = Redis.from_url(TEST_REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
def shared(redis_prefix: str) -> dict[str, Any]:
    """Settings overrides that make an app share its allowance through the test's Redis keys. A Redis call may take
    5 s, not 0.5: on a machine busy with the whole suite one took longer, the app fell back to its own allowance,
    and a test of the shared one measured the per-process ceiling (0.81 s for five calls, seen in a CI run)."""
    return {"events_redis_url": TEST_REDIS_URL, "events_redis_prefix": redis_prefix, "events_redis_timeout": 5.0}
