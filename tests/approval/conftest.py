"""The approval API on loopback against the real broker, with the rest of the pipeline faked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.clock import Clock
from services.approval.resolver import RefResolver
from services.approval.settings import ApprovalSettings
from services.shared.appspec import AppSpec
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent, first_event
from services.shared.platform import Platform
from services.shared.protocol import ReleaseState
from services.shared.release import ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeClock, FakeResolver, fake_pipeline
from tests.harness import make_release, running, wait_for_state

REQUESTER = {"Authorization": "Bearer requester-token"}  # dev-requester: requester
APPROVER = {"Authorization": "Bearer approver-token"}  # dev-approver: approver, requester
ADMIN = {"Authorization": "Bearer admin-token"}  # dev-admin: every role
REPO = "https://example.org/demo.git"


@pytest.fixture
def settings(bus_settings: BusSettings) -> ApprovalSettings:
    return ApprovalSettings(dev_tokens=True, bus=bus_settings)


@contextlib.asynccontextmanager
async def api_client(settings: ApprovalSettings, resolver: RefResolver | None = None, clock: Clock | None = None,
                     platform: Platform | None = None) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = create_app(settings, resolver=resolver or FakeResolver(), clock=clock, platform=platform)
    server = TestServer(app, host="127.0.0.1")
    # No access log, as in production (`run`): a log line with ?access_token= would hold a token.
    await server.start_server(access_log=None)
    client = TestClient(server)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def client(settings: ApprovalSettings) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    """The time the approval policy reads: a test moves it instead of sleeping."""
    return FakeClock()


@contextlib.asynccontextmanager
async def policy_client(settings: ApprovalSettings, spec: AppSpec, clock: Clock | None = None,
                        ) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The API on `clock`, and a pipeline whose releases carry `spec` (their greenlight.yaml: an approval policy)."""
    async with api_client(settings, clock=clock) as client, running(fake_pipeline(settings.bus, spec=spec)):
        yield client


@pytest.fixture
async def pipeline(bus_settings: BusSettings) -> AsyncIterator[web.Application]:
    async with running(fake_pipeline(bus_settings)) as app:
        yield app


async def request_release(client: TestClient[web.Request, web.Application], app: str = "demo",
                          headers: dict[str, str] = REQUESTER, commit: str = "main") -> dict[str, Any]:
    response = await client.post("/releases", json={"app": app, "repository": REPO, "commit": commit},
                                 headers=headers)
    assert response.status == 202, await response.text()
    return dict(await response.json())


async def reach(client: TestClient[web.Request, web.Application], release_id: str,
                *states: ReleaseState) -> None:
    """Wait until the API's own store has folded the release into one of `states` from the log."""
    await wait_for_state(client.app[DATABASE], release_id, *states)


async def until(client: TestClient[web.Request, web.Application], match: Callable[[ReleaseEvent], bool],
                timeout: float = 15.0) -> ReleaseEvent:
    """The first logged event (old or new) that matches, as folded by the API's own store."""
    follow = client.app[DATABASE].follow(-1, match)
    try:
        return (await asyncio.wait_for(anext(follow), timeout)).event
    finally:
        await follow.aclose()


async def staged_release(client: TestClient[web.Request, web.Application], app: str = "demo",
                         headers: dict[str, str] = REQUESTER) -> str:
    """A release the fake pipeline has brought to awaiting_approval."""
    release = await request_release(client, app, headers)
    await reach(client, release["id"], ReleaseState.AWAITING_APPROVAL)
    return str(release["id"])


async def live_release(client: TestClient[web.Request, web.Application], app: str = "demo") -> str:
    release_id = await staged_release(client, app)
    response = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert response.status == 200, await response.text()
    await reach(client, release_id, ReleaseState.LIVE)
    return release_id


async def advance(client: TestClient[web.Request, web.Application], release_id: str,
                  *states: ReleaseState) -> None:
    """Publish pipeline steps by hand (no fake pipeline), so nothing else moves the release."""
    await reach(client, release_id, *ReleaseState)  # its latest event is in the log
    event = await client.app[DATABASE].latest(release_id)
    assert event is not None
    for state in states:
        event = event.next(state, actor="test")
        await client.app[BUS].publish(event)
    await reach(client, release_id, states[-1])


async def failed_at_lint(client: TestClient[web.Request, web.Application], app: str, prefix: str,
                         count: int) -> None:
    """`count` releases of `app` that failed at lint, as the builder reports them (no pipeline): nowhere near a
    colour, and more of them than any page of the app's releases a check might read and stop at."""
    for n in range(count):
        requested = first_event(make_release(f"{prefix}-lint-{n:03}", app), actor="dev-requester")
        await client.app[BUS].publish(requested)
        await client.app[BUS].publish(requested.next(ReleaseState.FAILED, actor="builder",
                                                     error=ReleaseError(step="lint", reason="DL3007")))
    await reach(client, f"{prefix}-lint-{count - 1:03}", ReleaseState.FAILED)


TO_APPROVAL = (ReleaseState.BUILDING, ReleaseState.BUILT, ReleaseState.PUSHING, ReleaseState.PUSHED,
               ReleaseState.DEPLOYING, ReleaseState.AWAITING_APPROVAL)
