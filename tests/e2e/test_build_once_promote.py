"""Build once, promote many: releasing a built commit again, or an earlier release's image, builds and
pushes nothing, says so in the release's events, and still stages and serves it through every state."""

from __future__ import annotations

from services.shared.local import LocalSettings
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import Stack
from tests.fixtures_repo import FixtureRepo
from tests.local_platform.fixtures import through_proxy

STAGED = [S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL]


async def test_rerelease_and_from_release_reuse_the_image(stack: Stack, repo: FixtureRepo, app_name: str,
                                                          local_settings: LocalSettings) -> None:
    commit = repo.git("rev-parse", "HEAD")
    first_id = await stack.ship(app_name, repo.url, commit)
    first = await stack.database.get(first_id)
    assert first is not None and first.digest is not None

    # The same commit again: the builder finds the image by its build key, the registry already holds it.
    again_id = await stack.release(app_name, repo.url, commit)
    again = await stack.wait(again_id, S.AWAITING_APPROVAL, S.FAILED)
    assert again.state is S.AWAITING_APPROVAL, again.error
    history = {e.state: e for e in await stack.history(again_id)}
    assert list(history) == STAGED
    assert history[S.BUILT].details["reused"] is True
    assert history[S.BUILT].details["note"].startswith("reused image")
    assert history[S.PUSHED].details["skipped"] is True
    assert (again.image, again.digest) == (first.image, first.digest)
    assert (await stack.decide(again_id, "reject")).status_code == 200
    await stack.wait(again_id, S.REJECTED)

    # An earlier release's image, by id: no clone, no build, no push; served on the standby colour.
    async with stack.client() as client:
        response = await client.post("/releases", json={"app": app_name, "from_release": first_id})
    assert response.status_code == 202, response.text
    promoted_id = response.json()["id"]
    promoted = await stack.wait(promoted_id, S.AWAITING_APPROVAL, S.FAILED)
    assert promoted.state is S.AWAITING_APPROVAL, promoted.error
    events = {e.state: e for e in await stack.history(promoted_id)}
    assert list(events) == STAGED
    assert events[S.REQUESTED].details["from_release"] == first_id
    assert events[S.BUILT].details["note"] == f"reused image {first.image}"
    assert events[S.PUSHED].details["note"] == f"reused image {first.image}"
    assert (promoted.image, promoted.digest, promoted.commit) == (first.image, first.digest, commit)
    colour = promoted.standby_colour
    assert colour is not None and colour.value == "green"
    preview = await through_proxy(local_settings, app_name, preview=True)
    assert preview == (200, f"version={commit} colour=green\n", "green")
