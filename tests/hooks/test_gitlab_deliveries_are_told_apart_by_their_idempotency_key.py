"""GitLab names a delivery by its `Idempotency-Key` (GitLab 17.4 on), the same across its retries and resends.
`X-Gitlab-Event-UUID` is not one: webhooks set off by an earlier webhook (a bot that pushes through GitLab's API
when told of an event) all carry the first one's. Two such pushes of different commits were one delivery to the
hook, so the second was answered `duplicate` and never released. Without the key (an older GitLab) the event
UUID still names the delivery."""

from __future__ import annotations

import json

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import advance
from tests.hooks.conftest import GITLAB_TOKEN, Client, releases_of
from tests.hooks.git_daemon import Served


def gitlab_push(url: str, after: str) -> bytes:
    return json.dumps({"object_kind": "push", "ref": "refs/heads/main", "after": after,
                       "project": {"git_http_url": url}}).encode()


async def post_gitlab(api: Client, body: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    response = await api.post("/hooks/gitlab", data=body, headers={
        "X-Gitlab-Token": GITLAB_TOKEN, "X-Gitlab-Event": "Push Hook", **headers})
    return response.status, await response.json()


async def test_chained_pushes_sharing_an_event_uuid_each_release(api: Client, served: Served) -> None:
    first = served.push("second")
    status, body = await post_gitlab(api, gitlab_push(served.url, first),
                                     **{"X-Gitlab-Event-UUID": "chain-1", "Idempotency-Key": "k-1"})
    assert status == 202, body
    [result] = body["results"]  # type: ignore[misc]
    await advance(api, result["release"], S.FAILED)

    second = served.push("third")  # pushed by a bot told of the first: the same event UUID, its own key
    status, body = await post_gitlab(api, gitlab_push(served.url, second),
                                     **{"X-Gitlab-Event-UUID": "chain-1", "Idempotency-Key": "k-2"})
    assert status == 202, body
    assert {r.commit for r in await releases_of(api)} == {first, second}

    # GitLab's resend of that delivery: the same key, a new event UUID.
    status, body = await post_gitlab(api, gitlab_push(served.url, second),
                                     **{"X-Gitlab-Event-UUID": "resent", "Idempotency-Key": "k-2"})
    assert (status, body["results"]) == (200, [{"outcome": "duplicate",
                                                "reason": "this delivery was acted on already"}])


async def test_without_a_key_the_event_uuid_names_the_delivery(api: Client, served: Served) -> None:
    commit = served.push("second")
    for expected in (202, 200):
        status, body = await post_gitlab(api, gitlab_push(served.url, commit), **{"X-Gitlab-Event-UUID": "g-1"})
        assert status == expected, body
    assert body["results"][0]["outcome"] == "duplicate"  # type: ignore[index]
