"""POST /releases with `from_release` or `image`: an existing image is released; bad combinations are 422."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REPO, REQUESTER, live_release, reach
from tests.approval.fakes import MAIN_SHA

Client = TestClient[web.Request, web.Application]
DIGEST = "sha256:" + "e" * 64


async def test_from_release_copies_the_image(client: Client, pipeline: web.Application) -> None:
    source_id = await live_release(client)
    source = (await (await client.get(f"/releases/{source_id}", headers=REQUESTER)).json())["release"]
    response = await client.post("/releases", json={"app": "demo", "from_release": source_id}, headers=REQUESTER)
    assert response.status == 202, await response.text()
    again = await response.json()
    assert again["id"] != source_id
    for field in ("repository", "commit", "ref", "image", "digest"):
        assert again[field] == source[field], field
    assert again["digest"] is not None
    await reach(client, again["id"], S.REQUESTED, S.BUILDING, S.AWAITING_APPROVAL)
    history = (await (await client.get(f"/releases/{again['id']}", headers=REQUESTER)).json())["history"]
    assert history[0]["details"]["from_release"] == source_id
    assert history[0]["details"]["image"] == source["image"]


async def test_pinned_image_with_its_source(client: Client) -> None:
    image = f"127.0.0.1:5001/demo@{DIGEST}"
    response = await client.post("/releases", json={"app": "demo", "repository": REPO, "commit": "main",
                                                    "image": image}, headers=REQUESTER)
    assert response.status == 202, await response.text()
    body = await response.json()
    assert (body["image"], body["digest"], body["commit"]) == (image, DIGEST, MAIN_SHA)


async def test_bad_combinations_are_422_with_the_field(client: Client, pipeline: web.Application) -> None:
    source_id = await live_release(client)
    cases = [
        ({"app": "demo", "from_release": "no-such-release"}, "from_release"),
        ({"app": "other", "from_release": source_id}, "from_release"),  # another app's release
        ({"app": "demo", "from_release": source_id, "repository": REPO}, "repository"),
        ({"app": "demo", "from_release": source_id, "image": f"r/demo@{DIGEST}"}, "image"),
        ({"app": "demo"}, "repository"),
        ({"app": "demo", "repository": REPO}, "commit"),
        ({"app": "demo", "repository": REPO, "commit": "main", "image": "127.0.0.1:5001/demo:latest"}, "image"),
        ({"app": "demo", "repository": REPO, "commit": "main", "image": "demo@sha256:abc"}, "image"),
    ]
    for body, field in cases:
        response = await client.post("/releases", json=body, headers=REQUESTER)
        assert response.status == 422, body
        answer = await response.json()
        assert ["body", field] in [f["loc"] for f in answer["fields"]], (body, answer)
        assert answer["error"]
