"""Pushes by named people, as each host signs them, to an API whose tokens name those people (alice, bob)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.auth import digest
from services.approval.hook_settings import HookApp, HookSettings
from services.approval.resolver import GitRefResolver
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.protocol import ReleaseState as S
from services.shared.repo_policy import RepositorySettings
from services.shared.settings import BusSettings
from services.shared.signing import SIGNATURE_HEADER, github_signature, sign
from tests.approval.conftest import TO_APPROVAL, advance
from tests.hooks.conftest import GENERIC_SECRET, GITHUB_SECRET, GITLAB_TOKEN, Client
from tests.hooks.git_daemon import Served

PEOPLE = ("alice", "bob")


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}-token"}


@contextlib.asynccontextmanager
async def people_api(bus: BusSettings, served: Served, git_users: dict[str, dict[str, str]],
                     admins: tuple[str, ...] = (), **settings: Any) -> AsyncIterator[Client]:
    """One API replica with every hook on, tokens for alice and bob (approvers, or `admins`), `git_users`, and
    `settings` of its ApprovalSettings."""
    hooks = HookSettings.model_validate({
        "github_secret": GITHUB_SECRET, "gitlab_token": GITLAB_TOKEN, "generic_secret": GENERIC_SECRET,
        "apps": [HookApp(app="demo", repository=served.url, branch="main")], "git_users": git_users})
    allow = RepositorySettings(allow=[served.url.rsplit("/", 1)[0] + "/*"])
    tokens = [TokenEntry(name=name, roles=frozenset({Role.ADMIN if name in admins else Role.APPROVER}),
                         token_sha256=digest(f"{name}-token")) for name in PEOPLE]
    app = create_app(ApprovalSettings(tokens=tokens, bus=bus, repository=allow, **settings),
                     resolver=GitRefResolver(10, allow), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def push_request(host: str, url: str, commit: str, login: str, delivery: str) -> tuple[str, bytes, dict[str, str]]:
    """(path, body, headers) of a push by `login`, signed as `host` signs it."""
    if host == "github":
        body = json.dumps({"ref": "refs/heads/main", "after": commit, "sender": {"login": login},
                           "pusher": {"name": login, "email": f"{login}@example.org"},
                           "repository": {"clone_url": url}}).encode()
        return "/hooks/github", body, {"X-Hub-Signature-256": github_signature(GITHUB_SECRET, body),
                                       "X-GitHub-Delivery": delivery, "X-GitHub-Event": "push",
                                       "Content-Type": "application/json"}
    if host == "gitlab":
        body = json.dumps({"object_kind": "push", "ref": "refs/heads/main", "after": commit,
                           "user_username": login, "user_name": f"{login.title()} Example",
                           "project": {"git_http_url": url}}).encode()
        return "/hooks/gitlab", body, {"X-Gitlab-Token": GITLAB_TOKEN, "X-Gitlab-Event": "Push Hook",
                                       "X-Gitlab-Event-UUID": delivery}
    body = json.dumps({"repository": url, "ref": "refs/heads/main", "after": commit, "delivery": delivery,
                       "pusher": login}).encode()
    return "/hooks/generic", body, {SIGNATURE_HEADER: sign(GENERIC_SECRET, body)}


async def pushed_release(api: Client, host: str, served: Served, login: str) -> str:
    """The release a push by `login` made, brought to awaiting_approval."""
    path, body, headers = push_request(host, served.url, served.push(f"by {login}"), login, f"{host}-1")
    response = await api.post(path, data=body, headers=headers)
    assert response.status == 202, await response.text()
    release_id = str((await response.json())["results"][0]["release"])
    await advance(api, release_id, *TO_APPROVAL)
    assert TO_APPROVAL[-1] is S.AWAITING_APPROVAL
    return release_id
