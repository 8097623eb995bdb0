"""A signed GitHub push to the configured branch releases `after`, once: not again for a redelivery, a second
delivery of the same commit, or a stale push; a push while a release is in flight answers 409 and claims
nothing, so its redelivery releases once the app is free. The repository is a real `git daemon`."""

from __future__ import annotations

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.signing import github_signature
from tests.approval.conftest import advance, reach
from tests.hooks.conftest import Client, github_push, post_github, releases_of
from tests.hooks.git_daemon import Served


def test_github_signature_matches_githubs_documented_vector() -> None:
    assert github_signature("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")


async def test_push_releases_once_and_redelivery_or_a_second_delivery_does_not(
        api: Client, served: Served) -> None:
    first = served.push("second")
    status, body = await post_github(api, github_push(served.url, first), "d-1")
    assert status == 202, body
    [result] = body["results"]
    assert result["outcome"] == "released"
    release = await api.app[DATABASE].get(result["release"])
    assert release is not None and (release.commit, release.repository) == (first, served.url)
    assert release.requested_by == "github-webhook"

    status, body = await post_github(api, github_push(served.url, first), "d-1")  # GitHub's "Redeliver"
    assert (status, body["results"][0]["outcome"]) == (200, "duplicate")
    status, body = await post_github(api, github_push(served.url, first), "d-2")  # another hook, same commit
    assert (status, body["results"][0]["outcome"]) == (200, "already_released")
    assert len(await releases_of(api)) == 1


async def test_push_while_in_flight_is_409_and_its_redelivery_releases_once_free(
        api: Client, served: Served) -> None:
    first = served.push("second")
    status, body = await post_github(api, github_push(served.url, first), "d-1")
    assert status == 202, body
    first_release = body["results"][0]["release"]
    second = served.push("third")
    status, body = await post_github(api, github_push(served.url, second), "d-2")
    assert status == 409 and body["blocking_release"] == first_release

    await advance(api, first_release, S.FAILED)
    status, body = await post_github(api, github_push(served.url, second), "d-2")  # redelivered
    assert status == 202, body
    await reach(api, body["results"][0]["release"], S.REQUESTED)
    assert {r.commit for r in await releases_of(api)} == {first, second}


async def test_a_stale_push_other_branches_and_bad_signatures_release_nothing(api: Client, served: Served) -> None:
    old = served.push("second")
    served.push("third")
    status, body = await post_github(api, github_push(served.url, old), "d-old")
    assert (status, body["results"][0]["outcome"]) == (200, "ignored")
    assert "moved on" in body["results"][0]["reason"]
    status, body = await post_github(api, github_push(served.url, old, "refs/heads/feature"), "d-feature")
    assert (status, body["results"][0]["outcome"]) == (200, "ignored")
    status, body = await post_github(api, github_push(served.url, old), "d-forged", secret="not-the-secret")
    assert status == 401 and "X-Hub-Signature-256" in body["error"]
    status, body = await post_github(api, github_push(served.url, old), "d-ping", event="ping")
    assert (status, body["results"][0]["outcome"]) == (200, "pong")
    assert await releases_of(api) == []
