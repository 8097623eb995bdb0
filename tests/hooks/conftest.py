"""The approval API with its hooks on, a real git daemon, PostgreSQL for the claims, the real broker."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookApp, HookSettings
from services.approval.resolver import GitRefResolver
from services.approval.settings import ApprovalSettings
from services.shared.db.releases import ReleaseFilter
from services.shared.db.runtime import DATABASE
from services.shared.release import Release
from services.shared.settings import BusSettings
from services.shared.signing import github_signature
from tests.approval.conftest import pipeline
from tests.hooks.git_daemon import Served, git_daemon

__all__ = ["pipeline"]
Client = TestClient[web.Request, web.Application]
GITHUB_SECRET = "github-hook-secret"
GITLAB_TOKEN = "gitlab-hook-token"
GENERIC_SECRET = "generic-hook-secret"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with git_daemon(tmp_path) as served:
        yield served


@pytest.fixture
def hooks(served: Served, postgres_url: str) -> HookSettings:
    """Hooks on; the API's database (read model and claims) is the test's PostgreSQL one, shared by replicas."""
    return HookSettings(github_secret=GITHUB_SECRET, gitlab_token=GITLAB_TOKEN, generic_secret=GENERIC_SECRET,
                        apps=[HookApp(app="demo", repository=served.url, branch="main")])


@contextlib.asynccontextmanager
async def hooked_api(bus: BusSettings, hooks: HookSettings) -> AsyncIterator[Client]:
    """One API replica: the real git resolver, the given hooks."""
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus), resolver=GitRefResolver(10), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def api(bus_settings: BusSettings, hooks: HookSettings) -> AsyncIterator[Client]:
    async with hooked_api(bus_settings, hooks) as client:
        yield client


def github_push(url: str, after: str, ref: str = "refs/heads/main") -> bytes:
    """The fields of GitHub's push payload Greenlight reads, among some it ignores."""
    return json.dumps({"ref": ref, "before": "0" * 40, "after": after, "pusher": {"name": "ann"},
                       "repository": {"clone_url": url, "html_url": "https://example.org/demo"}}).encode()


async def post_github(client: Client, body: bytes, delivery: str, *, secret: str = GITHUB_SECRET,
                      event: str = "push") -> tuple[int, dict[str, Any]]:
    response = await client.post("/hooks/github", data=body, headers={
        "X-Hub-Signature-256": github_signature(secret, body), "X-GitHub-Delivery": delivery,
        "X-GitHub-Event": event, "Content-Type": "application/json"})
    return response.status, await response.json()



async def releases_of(client: Client, app: str = "demo") -> list[Release]:
    """The app's releases in the API's own read model."""
    found, _ = await client.app[DATABASE].page(ReleaseFilter(app=app), 100, None)
    return found
