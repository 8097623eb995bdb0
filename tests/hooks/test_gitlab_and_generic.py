"""GitLab's token hook and the generic HMAC hook release a push too; a wrong token, a stale or tampered
signature, or an unconfigured hook release nothing."""

from __future__ import annotations

import json
import time

from services.approval.hook_settings import HookSettings
from services.shared.settings import BusSettings
from services.shared.signing import SIGNATURE_HEADER, sign
from tests.hooks.conftest import GENERIC_SECRET, GITLAB_TOKEN, Client, hooked_api, releases_of
from tests.hooks.git_daemon import Served


def gitlab_push(url: str, after: str) -> bytes:
    return json.dumps({"object_kind": "push", "ref": "refs/heads/main", "after": after,
                       "project": {"git_http_url": url, "web_url": "https://gitlab.example.org/demo"}}).encode()


async def test_gitlab_push_with_its_token_releases_and_a_wrong_token_does_not(api: Client, served: Served) -> None:
    commit = served.push("second")
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": "g-1"}
    wrong = await api.post("/hooks/gitlab", data=gitlab_push(served.url, commit),
                           headers={**headers, "X-Gitlab-Token": "guess"})
    assert wrong.status == 401
    right = await api.post("/hooks/gitlab", data=gitlab_push(served.url, commit),
                           headers={**headers, "X-Gitlab-Token": GITLAB_TOKEN})
    assert right.status == 202, await right.text()
    again = await api.post("/hooks/gitlab", data=gitlab_push(served.url, commit),
                           headers={**headers, "X-Gitlab-Token": GITLAB_TOKEN})
    assert (again.status, (await again.json())["results"][0]["outcome"]) == (200, "duplicate")


async def test_generic_hook_needs_a_fresh_untampered_signature(api: Client, served: Served) -> None:
    commit = served.push("second")
    body = json.dumps({"repository": served.url, "ref": "refs/heads/main", "after": commit,
                       "delivery": "x-1"}).encode()
    stale = await api.post("/hooks/generic", data=body,
                           headers={SIGNATURE_HEADER: sign(GENERIC_SECRET, body, int(time.time()) - 600)})
    assert stale.status == 401 and "window" in (await stale.json())["error"]
    tampered = await api.post("/hooks/generic", data=body.replace(b"x-1", b"x-2"),
                              headers={SIGNATURE_HEADER: sign(GENERIC_SECRET, body)})
    assert tampered.status == 401
    assert await releases_of(api) == []
    fresh = await api.post("/hooks/generic", data=body, headers={SIGNATURE_HEADER: sign(GENERIC_SECRET, body)})
    assert fresh.status == 202, await fresh.text()


async def test_a_hook_without_its_secret_is_not_there(bus_settings: BusSettings, served: Served) -> None:
    async with hooked_api(bus_settings, HookSettings()) as api:
        response = await api.post("/hooks/github", data=b"{}")
        assert response.status == 404 and "not configured" in (await response.json())["error"]
