"""Pushes that carry the pushing account's id as GitHub (`sender.id`) and GitLab (`user_id`) send it, made to an API
whose tokens name alice and bob (tests/hooks/pushers.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.signing import github_signature
from tests.approval.conftest import TO_APPROVAL, advance, reach
from tests.hooks.conftest import GITHUB_SECRET, GITLAB_TOKEN, Client
from tests.hooks.git_daemon import Served, git_daemon
from tests.hooks.pushers import bearer


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with git_daemon(tmp_path) as served:
        yield served


async def pushed(api: Client, host: str, served: Served, login: str, account: int, delivery: str = "d-1") -> str:
    """The release a push by account `account`, now called `login`, made; brought to awaiting_approval."""
    commit = served.push(f"by {login}")
    if host == "github":
        body = json.dumps({"ref": "refs/heads/main", "after": commit, "sender": {"login": login, "id": account},
                           "pusher": {"name": login}, "repository": {"clone_url": served.url}}).encode()
        path, headers = "/hooks/github", {"X-Hub-Signature-256": github_signature(GITHUB_SECRET, body),
                                          "X-GitHub-Delivery": delivery, "X-GitHub-Event": "push"}
    else:
        body = json.dumps({"ref": "refs/heads/main", "after": commit, "user_id": account, "user_username": login,
                           "user_name": "Alice Example", "project": {"git_http_url": served.url}}).encode()
        path, headers = "/hooks/gitlab", {"X-Gitlab-Token": GITLAB_TOKEN, "X-Gitlab-Event": "Push Hook",
                                          "X-Gitlab-Event-UUID": delivery}
    response = await api.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status == 202, await response.text()
    release_id = str((await response.json())["results"][0]["release"])
    await advance(api, release_id, *TO_APPROVAL)
    return release_id


async def decide(api: Client, release_id: str, refused: str, decider: str, decision: str = "approve") -> None:
    """`refused` is told they pushed it; `decider` makes the decision."""
    own = await api.post(f"/releases/{release_id}/{decision}", headers=bearer(refused))
    assert own.status == 403, await own.text()
    assert (await own.json())["error"] == f"{refused} pushed this release's commit, so someone else must {decision} it."
    other = await api.post(f"/releases/{release_id}/{decision}", headers=bearer(decider))
    assert other.status == 200, await other.text()
    await reach(api, release_id, S.APPROVED if decision == "approve" else S.REJECTED)
