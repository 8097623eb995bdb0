"""Each git hook took exactly one secret: changing it (in Greenlight, then at GitHub or GitLab, which hold one secret
per webhook, a moment later) refused every delivery in between. A hook now takes the secret a rotation replaces
beside the current one (GREENLIGHT_HOOKS_*_PREVIOUS): a push signed with either is taken, one signed with neither
is refused with the 401 the current secret's failure always gave, and releases nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.approval.hook_settings import HookApp, HookSettings
from services.shared.signing import SIGNATURE_HEADER, github_signature, sign
from tests.hooks.conftest import Client, releases_of
from tests.hooks.git_daemon import Served

CURRENT = {"github": "github-secret-set-today", "gitlab": "gitlab-token-set-today",
           "generic": "generic-secret-set-today"}
PREVIOUS = {"github": "github-secret-of-last-year", "gitlab": "gitlab-token-of-last-year",
            "generic": "generic-secret-of-last-year"}
REFUSAL = {"github": "X-Hub-Signature-256 does not match the body.",
           "gitlab": "X-Gitlab-Token is not the configured token.",
           "generic": "Signature does not match the body."}


@pytest.fixture
def hooks(served: Served, postgres_url: str) -> HookSettings:
    return HookSettings(github_secret=CURRENT["github"], github_secret_previous=PREVIOUS["github"],
                        gitlab_token=CURRENT["gitlab"], gitlab_token_previous=PREVIOUS["gitlab"],
                        generic_secret=CURRENT["generic"], generic_secret_previous=PREVIOUS["generic"],
                        apps=[HookApp(app="demo", repository=served.url, branch="main")])


def delivery(hook: str, url: str, commit: str, secret: str, n: int) -> tuple[bytes, dict[str, str]]:
    """Delivery `n` of a push of `commit`, as the forge (or generic sender) holding `secret` sends it."""
    if hook == "github":
        body = json.dumps({"ref": "refs/heads/main", "after": commit, "repository": {"clone_url": url}}).encode()
        return body, {"X-Hub-Signature-256": github_signature(secret, body), "X-GitHub-Delivery": f"d-{n}",
                      "X-GitHub-Event": "push", "Content-Type": "application/json"}
    if hook == "gitlab":
        body = json.dumps({"ref": "refs/heads/main", "after": commit, "project": {"git_http_url": url}}).encode()
        return body, {"X-Gitlab-Token": secret, "X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": f"g-{n}"}
    body = json.dumps({"repository": url, "ref": "refs/heads/main", "after": commit, "delivery": f"x-{n}"}).encode()
    return body, {SIGNATURE_HEADER: sign(secret, body)}


@pytest.mark.parametrize("hook", ["github", "gitlab", "generic"])
async def test_a_push_signed_with_the_previous_or_the_current_secret_is_taken_and_with_neither_refused(
        api: Client, served: Served, hook: str) -> None:
    commit = served.push("second")

    async def post(secret: str, n: int) -> tuple[int, dict[str, Any]]:
        body, headers = delivery(hook, served.url, commit, secret, n)
        response = await api.post(f"/hooks/{hook}", data=body, headers=headers)
        return response.status, await response.json()

    assert await post("a-secret-of-neither-rotation", 1) == (401, {"error": REFUSAL[hook]})
    assert await releases_of(api) == []
    # The forge not moved over yet: its push is released.
    status, answer = await post(PREVIOUS[hook], 2)
    assert status == 202, answer
    assert [r.commit for r in await releases_of(api)] == [commit]
    # Moved over: its next delivery (of the same commit, released already) is taken too.
    status, answer = await post(CURRENT[hook], 3)
    assert (status, [r["outcome"] for r in answer["results"]]) == (200, ["already_released"]), answer
