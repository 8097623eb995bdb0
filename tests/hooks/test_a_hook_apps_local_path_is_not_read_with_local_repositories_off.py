"""A push hook's configured repository meets the same checks as a `POST /releases` one before git reads it: a local
path in GREENLIGHT_HOOKS_APPS is refused while local repositories are off (GREENLIGHT_ALLOW_LOCAL_REPOS), and read
once they are on.

The push desk asked the resolver for the branch's head without `check_repository`, and the resolver left the check
to its callers: `git ls-remote` ran on the local path with local repositories off, and a push naming another commit
was answered with that repository's head ("main has moved on to <sha>")."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookApp, HookSettings
from services.approval.resolver import GitRefResolver
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.fixtures_repo import make_repo
from tests.hooks.conftest import GITHUB_SECRET, Client, github_push, post_github, releases_of

NOT_THE_HEAD = "b" * 40


@contextlib.asynccontextmanager
async def api_with_local_repos(bus: BusSettings, hooks: HookSettings, allow_local: bool) -> AsyncIterator[Client]:
    settings = ApprovalSettings(dev_tokens=True, bus=bus, allow_local_repos=allow_local)
    resolver = GitRefResolver(10, settings.repository, allow_local=settings.allow_local_repos)
    async with TestClient(TestServer(create_app(settings, resolver=resolver, hooks=hooks), host="127.0.0.1")) as client:
        yield client


async def test_a_local_hook_repository_is_refused_with_local_repositories_off(
        bus_settings: BusSettings, postgres_url: str, tmp_path: Path) -> None:
    _, head = make_repo(tmp_path / "repo", {"app.txt": "first"})
    local = str(tmp_path / "repo")
    hooks = HookSettings(github_secret=GITHUB_SECRET, apps=[HookApp(app="demo", repository=local, branch="main")])
    async with api_with_local_repos(bus_settings, hooks, allow_local=False) as api:
        status, body = await post_github(api, github_push(local, NOT_THE_HEAD), "d-off")
        assert status == 502, body
        assert head not in str(body) and local not in str(body)
        assert "GREENLIGHT_ALLOW_LOCAL_REPOS" in str(body), body
        assert await releases_of(api) == []
    async with api_with_local_repos(bus_settings, hooks, allow_local=True) as api:  # on: read, as before
        status, body = await post_github(api, github_push(local, NOT_THE_HEAD), "d-on")
        assert status == 200 and body["results"][0]["reason"] == f"main has moved on to {head}", body
