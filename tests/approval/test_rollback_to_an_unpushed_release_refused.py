"""A rollback to an earlier release needs one whose image was pushed: 422 otherwise, as the README says.

`source_release` checks that the release has an image and a digest, but a release asked for with an `image` has both
from its request on, pushed or not: one aborted at once (or failed before its build) was restored by a 202, its
image never checked by the pusher nor its greenlight.yaml read by the builder, and the request was its approval.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.approval.conftest import APPROVER, REPO

Client = TestClient[web.Request, web.Application]
IMAGE = "registry.local/demo@sha256:" + "e" * 64


async def test_a_release_that_named_an_image_and_never_pushed_it_is_not_restored(client: Client) -> None:
    asked = await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": "main", "image": IMAGE},
                              headers=APPROVER)
    assert asked.status == 202, await asked.text()
    source = (await asked.json())["id"]
    aborted = await client.post(f"/releases/{source}/abort", json={"reason": "wrong image"}, headers=APPROVER)
    assert aborted.status == 200, await aborted.text()

    answer = await client.post("/apps/demo/rollback", json={"reason": "r", "to": source}, headers=APPROVER)
    assert answer.status == 422, await answer.text()
    assert (await answer.json())["fields"] == [
        {"loc": ["body", "to"], "msg": f"release {source} has no pushed image to redeploy"}]
