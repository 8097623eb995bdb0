"""All five services in this process, on the test's own bus, with real engine, registry and HAProxy.

Each service is its own `create_app(settings)`, as `greenlight up` would run it; the deployer and the
switcher each get their own Platform (two LocalPlatforms on the same state dir and HAProxy, or two
Kubernetes clients on the fake API server), as two processes would. The approval API listens on a
free loopback port and is driven over HTTP with the dev tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.analysis.app import create_app as analysis_app
from services.analysis.settings import AnalysisSettings
from services.approval.app import create_app as approval_app
from services.approval.progress_feed import FEED, ProgressFeed
from services.approval.settings import ApprovalSettings
from services.builder.app import create_app as builder_app
from services.builder.settings import BuilderSettings
from services.deployer.app import create_app as deployer_app
from services.deployer.settings import DeployerSettings
from services.pusher.app import create_app as pusher_app
from services.pusher.settings import PusherSettings
from services.shared.db.releases import ReleaseDatabase, ReleaseFilter
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.platform import Platform
from services.shared.protocol import ReleaseState
from services.shared.release import Release
from services.shared.settings import BusSettings
from services.switcher.app import create_app as switcher_app
from services.switcher.settings import SwitcherSettings
from tests.harness import delete_queues, httpx_client, serving

REGISTRY = "127.0.0.1:5001"
REQUESTER, APPROVER = "requester-token", "approver-token"
PlatformOpener = Callable[[], AbstractAsyncContextManager[Platform]]


@dataclass
class Stack:
    api: str
    database: ReleaseDatabase  # the approval service's own read model: what the API answers from
    feed: ProgressFeed  # the approval service's progress fan-out: its listeners are the open streams

    def client(self, token: str = REQUESTER) -> httpx.AsyncClient:
        return httpx_client(self.api, token, timeout=15)

    async def request(self, app: str, repository: str, commit: str) -> httpx.Response:
        async with self.client() as client:
            return await client.post("/releases", json={"app": app, "repository": repository, "commit": commit})

    async def release(self, app: str, repository: str, commit: str) -> str:
        response = await self.request(app, repository, commit)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    async def ship(self, app: str, repository: str, commit: str) -> str:
        """Request, approve once staged, and return the release id once it is live."""
        release_id = await self.release(app, repository, commit)
        staged = await self.wait(release_id, ReleaseState.AWAITING_APPROVAL, ReleaseState.FAILED)
        assert staged.state is ReleaseState.AWAITING_APPROVAL, staged.error
        assert (await self.decide(release_id, "approve")).status_code == 200
        live = await self.wait(release_id, ReleaseState.LIVE, ReleaseState.FAILED)
        assert live.state is ReleaseState.LIVE, live.error
        return release_id

    async def decide(self, release_id: str, decision: str, comment: str | None = None) -> httpx.Response:
        async with self.client(APPROVER) as client:
            return await client.post(f"/releases/{release_id}/{decision}", json={"comment": comment})

    async def rollback(self, app: str, reason: str) -> httpx.Response:
        async with self.client(APPROVER) as client:
            return await client.post(f"/apps/{app}/rollback", json={"reason": reason})

    async def wait(self, release_id: str, *states: ReleaseState, after: int = -1, timeout: float = 90.0) -> Release:
        """The release once it reaches one of `states` (logged after offset `after`); fails with its
        whole history otherwise."""
        follow = self.database.follow(after, lambda e: e.release_id == release_id and e.state in states)
        try:
            logged = await asyncio.wait_for(anext(follow), timeout)
        except TimeoutError:
            seen = [(e.state.value, e.release.error) for e in await self.history(release_id)]
            pytest.fail(f"release {release_id} never reached {[s.value for s in states]}: {seen}")
        finally:
            await follow.aclose()
        return logged.event.release

    async def history(self, release_id: str) -> list[ReleaseEvent]:
        """The release's events as logged (echoed by the log), oldest first."""
        return [s.event for s in await self.database.history(release_id) if s.offset is not None]

    async def releases_of(self, app: str) -> list[Release]:
        return (await self.database.page(ReleaseFilter(app=app), 200, None))[0]

    async def last_offset(self) -> int:
        return await self.database.last_offset()


@contextlib.asynccontextmanager
async def running_stack(bus: BusSettings, engine_url: str, work: Path, platform: PlatformOpener, *,
                        ready_timeout: float = 20.0, build_args: dict[str, str] | None = None,
                        live_url: str | None = None, **switcher: Any) -> AsyncIterator[Stack]:
    """`live_url`: where the analysis service reaches an app's live Service (`{app}` replaced)."""
    builder = BuilderSettings(bus=bus, docker_host=engine_url, registry=REGISTRY, allow_local_repos=True,
                              work_root=work, build_args=build_args or {})
    pusher = PusherSettings(bus=bus, docker_host=engine_url, registry=REGISTRY)
    deployer = DeployerSettings(bus=bus, rollout_timeout=ready_timeout)
    switching = SwitcherSettings(bus=bus, ready_timeout=ready_timeout, **{"scale_down_delay": 600.0, **switcher})
    approval = approval_app(ApprovalSettings(bus=bus, dev_tokens=True, allow_local_repos=True))
    try:
        async with contextlib.AsyncExitStack() as services:
            api = await services.enter_async_context(serving(approval, 0))
            for app in (builder_app(builder), pusher_app(pusher)):
                await services.enter_async_context(serving(app))
            deployer_platform = await services.enter_async_context(platform())
            await services.enter_async_context(serving(deployer_app(deployer, platform=deployer_platform)))
            switcher_platform = await services.enter_async_context(platform())
            await services.enter_async_context(serving(switcher_app(switching, platform=switcher_platform)))
            analysing = AnalysisSettings(bus=bus, **({"live_url": live_url} if live_url else {}))
            await services.enter_async_context(serving(analysis_app(analysing)))
            yield Stack(api, approval[DATABASE], approval[FEED])
    finally:
        await delete_queues(bus, switching.timer_queue_name())
